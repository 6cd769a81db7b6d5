package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/netlab"
)

var (
	buildOnce sync.Once
	bins      netlab.Binaries
	buildErr  error
)

// binaries builds signaling, agent and technician once per test run.
func binaries(t *testing.T) netlab.Binaries {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tandem-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		bins, buildErr = netlab.Build(dir, "signaling", "agent", "technician")
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
	stderr bytes.Buffer
	mu     sync.Mutex
	events []map[string]any
	lines  chan map[string]any
	done   chan struct{}
}

func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(name), lines: make(chan map[string]any, 256), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Env = append(os.Environ(), env...)
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
		for sc.Scan() {
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

// server runs a signaling server on loopback with its data in a temp dir
// and returns its URL and data directory.
func server(t *testing.T, b netlab.Binaries) (url, data string) {
	t.Helper()
	data = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	port := freePort(t)
	addr := "127.0.0.1:" + port
	s := start(t, b["signaling"], nil, "-addr", addr, "-data", data, "-relay=false")
	for ctx.Err() == nil {
		if _, err := os.Stat(filepath.Join(data, "technician-token")); err == nil {
			if conn, err := (&netDialer{}).dial(addr); err == nil {
				conn.Close()
				return "https://" + addr, data
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("signaling did not start\n%s", s.stderr.String())
	return "", ""
}

func trimmed(b []byte) string { return strings.TrimSpace(string(b)) }
