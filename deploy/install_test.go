package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/signaling"
)

var units = []string{"tandem-signaling.service", "tandem-turnrelay.service"}

// TestMakeInstall runs `make install DESTDIR=...` in a clean clone and
// checks where everything lands, that the units name the installed
// paths (not DESTDIR's), that an administrator's environment file is
// kept, and that PREFIX moves the binaries and the units' paths along.
func TestMakeInstall(t *testing.T) {
	clone := cleanClone(t)
	dest := filepath.Join(t.TempDir(), "dest")
	run(t, clone, goEnv(), "make", "install", "DESTDIR="+dest)

	for name, mode := range map[string]os.FileMode{
		"usr/local/bin/signaling": 0o755, "usr/local/bin/turnrelay": 0o755, "usr/local/bin/technician": 0o755,
		"usr/local/lib/tandem/agent":                  0o755,
		"etc/systemd/system/tandem-signaling.service": 0o644, "etc/systemd/system/tandem-turnrelay.service": 0o644,
		"etc/sysusers.d/tandem.conf": 0o644, "etc/tandem/signaling.env": 0o644, "etc/tandem/turnrelay.env": 0o644,
		"etc/tandem/cluster.env": 0o644, "usr/local/share/tandem/tandem-signaling-cluster.conf": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(dest, name))
		if err != nil {
			t.Errorf("make install: %v", err)
		} else if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "usr/local/bin/agent")); err == nil {
		t.Error("the agent is on PATH: run there without -keep it deletes itself")
	}
	for _, u := range units {
		if body := readFile(t, filepath.Join(dest, "etc/systemd/system", u)); strings.Contains(body, dest) {
			t.Errorf("%s names DESTDIR:\n%s", u, body)
		}
	}
	checkEnvKept(t, clone, dest)
	checkPrefix(t, clone)
	verifyUnits(t, dest)
}

// checkEnvKept installs again over an edited environment file.
func checkEnvKept(t *testing.T, clone, dest string) {
	t.Helper()
	env := filepath.Join(dest, "etc/tandem/signaling.env")
	writeFile(t, env, "SIGNALING_FLAGS=-addr :443 -public-url https://support.example.com\n")
	run(t, clone, []string{"DESTDIR=" + dest}, "./scripts/install.sh")
	if got := readFile(t, env); !strings.Contains(got, "support.example.com") {
		t.Errorf("make install replaced the administrator's %s:\n%s", env, got)
	}
	if _, err := os.Stat(env + ".new"); err != nil {
		t.Errorf("the shipped environment file is not beside the kept one: %v", err)
	}
}

// checkPrefix installs with PREFIX=/opt/tandem.
func checkPrefix(t *testing.T, clone string) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "opt")
	run(t, clone, []string{"DESTDIR=" + dest, "PREFIX=/opt/tandem"}, "./scripts/install.sh")
	unit := readFile(t, filepath.Join(dest, "etc/systemd/system/tandem-signaling.service"))
	if !strings.Contains(unit, "ExecStart=/opt/tandem/bin/signaling ") {
		t.Errorf("PREFIX=/opt/tandem: unit's ExecStart not moved:\n%s", unit)
	}
	env := readFile(t, filepath.Join(dest, "etc/tandem/signaling.env"))
	if !strings.Contains(env, "-agent-binary /opt/tandem/lib/tandem/agent") || strings.Contains(env, "/usr/local/") {
		t.Errorf("PREFIX=/opt/tandem: environment file not moved:\n%s", env)
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/tandem/bin/turnrelay")); err != nil {
		t.Errorf("PREFIX=/opt/tandem: %v", err)
	}
}

// verifyUnits runs systemd-analyze verify on the installed units, with
// the installed tree as its root (so it checks that ExecStart's binary is
// there) and this system's own units beside them (the targets they name),
// then prints their exposure level (systemd-analyze security).
func verifyUnits(t *testing.T, dest string) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("no systemd-analyze: scripts/install-deps.sh test installs the systemd package")
		}
		t.Skip("no systemd-analyze (the systemd package); make test installs it")
	}
	if err := os.MkdirAll(filepath.Join(dest, "usr/lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "", nil, "cp", "-a", "/usr/lib/systemd/system", filepath.Join(dest, "usr/lib/systemd/"))
	for _, u := range units {
		unit := "/etc/systemd/system/" + u
		// verify exits 0 on warnings (an unknown key): any output fails.
		if out, err := runErr("", nil, "systemd-analyze", "verify", "--root="+dest, unit); err != nil || out != "" {
			t.Errorf("systemd-analyze verify %s: %v\n%s", u, err, out)
		}
		out, err := runErr("", nil, "systemd-analyze", "security", "--offline=yes", "--threshold=25", "--root="+dest, unit)
		level := regexp.MustCompile(`Overall exposure level for \S+: (\S+ \S+)`).FindStringSubmatch(out)
		if err != nil || level == nil {
			t.Errorf("systemd-analyze security %s: %v (threshold 2.5, said 25)\n%s", u, err, out)
		} else {
			t.Logf("%s: exposure %s", u, level[1])
		}
	}
	// The check can fail: a unit with an unknown key and a missing binary.
	bad := filepath.Join(dest, "etc/systemd/system/tandem-broken.service")
	writeFile(t, bad, strings.Replace(readFile(t, filepath.Join(dest, "etc/systemd/system", units[1])),
		"ExecStart=/usr/local/bin/turnrelay", "ProtectSytem=strict\nExecStart=/usr/local/bin/turnrelay-missing", 1))
	if out, _ := runErr("", nil, "systemd-analyze", "verify", "--root="+dest, "/etc/systemd/system/tandem-broken.service"); !strings.Contains(out, "ProtectSytem") || !strings.Contains(out, "turnrelay-missing") {
		t.Errorf("systemd-analyze verify did not find a misspelt key and a missing binary:\n%s", out)
	}
}

// TestUnits checks what the units must say, and that their open-files
// limits hold the servers' default connection bounds.
func TestUnits(t *testing.T) {
	root := repoRoot(t)
	sig, relayUnit := readUnit(t, root, units[0]), readUnit(t, root, units[1])
	for name, u := range map[string]map[string][]string{units[0]: sig, units[1]: relayUnit} {
		for key, want := range map[string]string{
			"User": "tandem", "Group": "tandem", "AmbientCapabilities": "CAP_NET_BIND_SERVICE",
			"CapabilityBoundingSet": "CAP_NET_BIND_SERVICE", "NoNewPrivileges": "yes",
			"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "StateDirectory": "tandem",
			"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
		} {
			if got := strings.Join(u[key], " | "); got != want {
				t.Errorf("%s: %s=%q, want %q", name, key, got, want)
			}
		}
	}
	// signaling: -max-conns WebSockets plus its fdHeadroom (256), and the
	// embedded relay's allocations, each a relayed socket and at most one
	// TURN TCP/TLS client.
	checkLimit(t, units[0], sig, signaling.DefaultMaxConns+256+2*relay.DefaultTotalQuota)
	// turnrelay: its allocations and as many TCP/TLS clients, plus
	// listeners, epoll, rtnetlink and metrics.
	checkLimit(t, units[1], relayUnit, 2*relay.DefaultTotalQuota+100)
	if !strings.Contains(sig["ExecStart"][0], "-data /var/lib/tandem") {
		t.Errorf("signaling's data is not its state directory: %s", sig["ExecStart"][0])
	}
}

func checkLimit(t *testing.T, name string, u map[string][]string, need int) {
	t.Helper()
	n, err := strconv.Atoi(strings.Join(u["LimitNOFILE"], ""))
	if err != nil || n < need {
		t.Errorf("%s: LimitNOFILE=%v, want at least %d for the default connection bounds", name, u["LimitNOFILE"], need)
	}
}

// readUnit parses deploy/NAME into its keys' values, in order.
func readUnit(t *testing.T, root, name string) map[string][]string {
	t.Helper()
	u := map[string][]string{}
	for _, line := range strings.Split(readFile(t, filepath.Join(root, "deploy", name)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			u[k] = append(u[k], v)
		}
	}
	return u
}
