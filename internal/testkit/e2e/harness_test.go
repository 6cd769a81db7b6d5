package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

var (
	buildOnce sync.Once
	bins      netlab.Binaries
	buildErr  error
)

// builtDirs are the folders the binaries were built into, removed when
// the tests end (TestMain): 124 MB a run, which piled up to 40 GB here.
var builtDirs tempDirs

type tempDirs struct {
	mu   sync.Mutex
	dirs []string
}

func (d *tempDirs) add(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dirs = append(d.dirs, dir)
}

func (d *tempDirs) removeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dir := range d.dirs {
		_ = os.RemoveAll(dir)
	}
	d.dirs = nil
}

// binaries builds signaling, agent and technician once per test run.
func binaries(t testing.TB) netlab.Binaries {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tandem-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtDirs.add(dir)
		bins, buildErr = netlab.Build(dir, "signaling", "agent", "technician", "turnrelay")
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return bins
}

// proc is a running binary whose JSON event lines are collected.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stderr lockedBuffer // read while the process still writes
	mu     sync.Mutex
	stdout strings.Builder // every line, JSON or not
	events []map[string]any
	lines  chan map[string]any
	done   chan struct{}
}

func start(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(name), lines: make(chan map[string]any, 256), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	// A password in the runner's environment must not override
	// -password-file; tests that want one pass it in env.
	p.cmd.Env = append(append(os.Environ(), "TANDEM_PASSWORD="), env...)
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 8<<20) // a clipboard event carries up to 1 MiB of text
		for sc.Scan() {
			p.mu.Lock()
			p.stdout.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				p.mu.Lock()
				p.events = append(p.events, m)
				p.mu.Unlock()
				select {
				case p.lines <- m:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
		}
		p.cmd.Wait()
	})
	return p
}

// wait waits for the process to exit and returns its status.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("%s still running after %v\n%s", p.name, d, p.stderr.String())
	}
	err := p.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return 0
}

// next returns the next event called name.
func (p *proc) next(t *testing.T, name string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-p.lines:
			if m["event"] == name {
				return m
			}
		case <-timeout:
			t.Fatalf("%s: no %q event\n%s", p.name, name, p.stderr.String())
		}
	}
}

// nextOf returns the next event called one of names.
func (p *proc) nextOf(t *testing.T, names ...string) map[string]any {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-p.lines:
			for _, n := range names {
				if m["event"] == n {
					return m
				}
			}
		case <-timeout:
			t.Fatalf("%s: none of %q\n%s", p.name, names, p.stderr.String())
		}
	}
}

// all returns every recorded event called name, in order.
func (p *proc) all(name string) []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]any
	for _, e := range p.events {
		if e["event"] == name {
			out = append(out, e)
		}
	}
	return out
}

// last returns the last recorded event called name, or nil.
func (p *proc) last(name string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		if p.events[i]["event"] == name {
			return p.events[i]
		}
	}
	return nil
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// output is everything the process wrote to standard output so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// sigServer is a signaling process started by server.
type sigServer struct {
	url, data, ca string
	setupToken    string // from its start-up summary
}

// server runs a signaling server on loopback with its data in a temp dir
// and waits until it has printed its start-up summary.
func server(t *testing.T, b netlab.Binaries) *sigServer {
	t.Helper()
	data := t.TempDir()
	addr := "127.0.0.1:" + freePort(t)
	_, summary := serveOn(t, b, addr, data)
	tok, _ := signalingtest.SetupToken(summary)
	return &sigServer{url: "https://" + addr, data: data, ca: filepath.Join(data, "cert.pem"), setupToken: tok}
}

// serveOn runs signaling on addr with its data in data (no relay, metrics
// on a free loopback port, and args), waits until it has printed its
// start-up summary and listens, and returns it with that summary.
func serveOn(t testing.TB, b netlab.Binaries, addr, data string, args ...string) (*proc, string) {
	t.Helper()
	s := start(t, b["signaling"], nil, append([]string{"-addr", addr, "-data", data, "-relay=false", "-metrics-addr", "127.0.0.1:0"}, args...)...)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if out := s.output(); strings.Contains(out, "Customer:") {
			if conn, err := (&netDialer{}).dial(addr); err == nil {
				conn.Close()
				return s, out
			}
		}
	}
	t.Fatalf("signaling did not start\n%s\n%s", s.output(), s.stderr.String())
	return nil, ""
}

// admin runs signaling admin on the server's data directory, with stdin,
// and returns what it printed; a failure fails the test.
func (s *sigServer) admin(t *testing.T, b netlab.Binaries, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(b["signaling"], append([]string{"admin", "-data", s.data}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("signaling admin %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// operator makes the server's first operator, "tech", with every
// function, the way a new installation does: the first administrator
// with the printed setup token, the operator through the admin API. It
// returns the ID and a password file for technician -user and
// -password-file.
func (s *sigServer) operator(t *testing.T) (user, passwordFile string) {
	t.Helper()
	return newOperator(t, s.url, s.ca, s.setupToken)
}

func newOperator(t *testing.T, url, ca, setupToken string) (user, passwordFile string) {
	t.Helper()
	if setupToken == "" {
		t.Fatal("the server printed no setup token")
	}
	roots, err := certs.Pool(ca)
	if err != nil {
		t.Fatal(err)
	}
	op := signalingtest.Setup(t, url, roots, setupToken).AddOperator("tech")
	passwordFile = filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return op.ID, passwordFile
}

func trimmed(b []byte) string { return strings.TrimSpace(string(b)) }
