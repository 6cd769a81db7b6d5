package netlab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Require skips t unless it runs as root with the ip and iptables commands
// available: the lab needs all three.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netlab: needs root for network namespaces (run `sudo go test ./internal/testkit/netlab` or `make test` as root)")
	}
	for _, cmd := range []string{"ip", "iptables", "sysctl"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("netlab: %s not found; run scripts/install-deps.sh", cmd)
		}
	}
}

// NS is one network namespace.
type NS struct {
	Name string
	// Env is added to the environment of the processes Start runs here,
	// as a machine's own settings would be (e.g. HTTPS_PROXY).
	Env []string
	t   testing.TB
}

// NewNS creates a namespace with its loopback up and deletes it when the
// test ends. Register processes after the namespace so that they are killed
// (cleanups run last-in first-out) before it is deleted.
func NewNS(t testing.TB, name string) *NS {
	t.Helper()
	ns := &NS{Name: name, t: t}
	MustRun(t, "ip", "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Logf("netlab: delete namespace %s: %v: %s", name, err, out)
		}
	})
	ns.IP("link", "set", "dev", "lo", "up")
	// The lab is IPv4 only: no IPv6 link-local addresses, so no stray
	// candidates or neighbour discovery.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = ns.Try(ctx, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	return ns
}

// IP runs `ip -n NS args...` and fails the test on error.
func (ns *NS) IP(args ...string) string {
	ns.t.Helper()
	return MustRun(ns.t, "ip", append([]string{"-n", ns.Name}, args...)...)
}

// Exec runs a command inside the namespace to completion and fails the test
// on error, returning its combined output.
func (ns *NS) Exec(name string, args ...string) string {
	ns.t.Helper()
	return MustRun(ns.t, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
}

// Try runs a command inside the namespace and returns its output and error
// without failing the test.
func (ns *NS) Try(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Sysctl sets a sysctl inside the namespace.
func (ns *NS) Sysctl(key, value string) {
	ns.t.Helper()
	ns.Exec("sysctl", "-q", "-w", key+"="+value)
}

// IPTables runs iptables inside the namespace.
func (ns *NS) IPTables(args ...string) string {
	ns.t.Helper()
	return ns.Exec("iptables", append([]string{"-w"}, args...)...)
}

// Veth creates a veth pair with one end (a) in ns and the other (b) in peer,
// both up.
func (ns *NS) Veth(a string, peer *NS, b string) {
	ns.t.Helper()
	ns.IP("link", "add", "name", a, "type", "veth", "peer", "name", b, "netns", peer.Name)
	ns.IP("link", "set", "dev", a, "up")
	peer.IP("link", "set", "dev", b, "up")
}

// Addr assigns an address in CIDR form to an interface.
func (ns *NS) Addr(dev, cidr string) {
	ns.t.Helper()
	ns.IP("addr", "add", cidr, "dev", dev)
}

// MustRun runs a command in the root namespace (the lab only ever runs
// `ip` there) and fails the test with its output on error.
func MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("netlab: %s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// prefix returns a namespace-name prefix unique to this process and lab.
func prefix(n int) string {
	return fmt.Sprintf("tdm%03d%d", os.Getpid()%1000, n)
}
