package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

const secret = "0123456789abcdef0123456789abcdef-test"

// buildBinary compiles turnrelay into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "turnrelay")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// command runs bin with args and an environment without TURN_SECRET.
func command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TURN_SECRET=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

func TestBinary(t *testing.T) {
	bin := buildBinary(t)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shortFile := filepath.Join(t.TempDir(), "short")
	if err := os.WriteFile(shortFile, []byte("tooshort\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("help", func(t *testing.T) {
		out, err := command(bin, "-h").CombinedOutput()
		if err != nil {
			t.Fatalf("-h: %v\n%s", err, out)
		}
		for _, f := range []string{"udp", "tcp", "tls", "cert", "key", "realm", "public-ip", "relay-ports",
			"secret-file", "allow-peers", "metrics", "user-quota", "total-quota", "log-level", "procs", "TURN_SECRET",
			"block-feed", "block-feed-ca", "block-feed-every", "tcp-allocations"} {
			if !strings.Contains(string(out), f) {
				t.Errorf("-h output does not mention %q", f)
			}
		}
	})

	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"no secret", []string{"-tls", ""}, []string{"TURN_SECRET", "-secret-file", "head -c 32 /dev/urandom"}},
		{"short secret", []string{"-tls", "", "-secret-file", shortFile}, []string{"need at least 32", "head -c 32"}},
		{"tls without cert", []string{"-secret-file", secretFile}, []string{"-cert", "-key", "-tls ''"}},
		{"bad port range", []string{"-tls", "", "-secret-file", secretFile, "-relay-ports", "9-1"}, []string{"LO-HI"}},
		{"plain http feed", []string{"-tls", "", "-secret-file", secretFile, "-block-feed", "http://192.0.2.1"}, []string{"https://HOST"}},
		{"feed CA alone", []string{"-tls", "", "-secret-file", secretFile, "-block-feed-ca", secretFile}, []string{"needs -block-feed"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := command(bin, tt.args...)
			cmd.Stderr = &stderr
			if err := cmd.Run(); err == nil {
				t.Fatal("exit status 0, want failure")
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not mention %q", stderr.String(), w)
				}
			}
		})
	}

	t.Run("serves", func(t *testing.T) { testServes(t, bin, secretFile) })
}

// testServes runs the relay on loopback, allocates through it, checks
// /healthz, and stops it with SIGTERM.
func testServes(t *testing.T, bin, secretFile string) {
	cmd := command(bin, "-udp", "127.0.0.1:0", "-tcp", "127.0.0.1:0", "-tls", "", "-metrics", "127.0.0.1:0",
		"-secret-file", secretFile, "-relay-ports", "40000-40100", "-log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no start line: %v; stderr: %s", err, stderr.String())
	}
	m := regexp.MustCompile(`udp (\S+), tcp (\S+), tls off; .*metrics (http://\S+)/metrics`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("start line %q does not say what it listens on", line)
	}
	resp, err := http.Get(m[3] + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	cred, err := turncred.Issue([]byte(secret), "bin", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: m[1], TURNServerAddr: m[1], Conn: pc,
		Username: cred.Username, Password: cred.Password, Realm: "tandem",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate via the binary: %v", err)
	}
	if p := relayed.LocalAddr().(*net.UDPAddr).Port; p < 40000 || p > 40100 {
		t.Errorf("relayed port %d outside -relay-ports", p)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
	}
}

// TestTCPAllocationsFlag: TCP allocations (RFC 6062) are off unless
// -tcp-allocations.
func TestTCPAllocationsFlag(t *testing.T) {
	env := func(k string) string {
		if k == "TURN_SECRET" {
			return secret
		}
		return ""
	}
	for _, tc := range []struct {
		args []string
		want bool
	}{{nil, false}, {[]string{"-tcp-allocations"}, true}} {
		o, err := parseFlags(append([]string{"-tls", ""}, tc.args...), env, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o.cfg.TCPAllocations != tc.want {
			t.Errorf("%v: TCPAllocations = %v, want %v", tc.args, o.cfg.TCPAllocations, tc.want)
		}
	}
}
