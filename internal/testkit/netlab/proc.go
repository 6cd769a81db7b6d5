package netlab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Event is one JSON event line printed by a Tandem binary run with -json,
// e.g. {"event":"connected","path":"direct",...}.
type Event map[string]any

// Name is the event's "event" field.
func (e Event) Name() string { return e.Str("event") }

// Str returns a string field, or "" when absent or not a string.
func (e Event) Str(key string) string {
	s, _ := e[key].(string)
	return s
}

// Num returns a numeric field and whether it is present and a number.
func (e Event) Num(key string) (float64, bool) {
	f, ok := e[key].(float64)
	return f, ok
}

// ParseEvent parses one output line; ok is false for lines that are not a
// JSON object with an "event" field (log lines, banners).
func ParseEvent(line string) (Event, bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") {
		return nil, false
	}
	var e Event
	if err := json.Unmarshal([]byte(line), &e); err != nil || e.Name() == "" {
		return nil, false
	}
	return e, true
}

// Proc is a process started inside a namespace, with its stdout captured
// line by line and its JSON events parsed as they arrive.
type Proc struct {
	Name string
	cmd  *exec.Cmd

	mu      sync.Mutex
	lines   []string
	events  []Event
	changed chan struct{} // closed and replaced on every new line
	stderr  bytes.Buffer

	done chan struct{} // closed once the process has exited
	err  error         // exit error, valid after done
}

// Start runs bin inside the namespace. The process is killed by PID, if
// still running, when the test ends.
func (ns *NS) Start(name, bin string, args ...string) *Proc {
	ns.t.Helper()
	p := &Proc{Name: name, changed: make(chan struct{}), done: make(chan struct{})}
	// `ip netns exec` execs the command after entering the namespace, so the
	// PID we get is the binary's own.
	p.cmd = exec.Command("ip", append([]string{"netns", "exec", ns.Name, bin}, args...)...)
	if len(ns.Env) > 0 {
		p.cmd.Env = append(os.Environ(), ns.Env...)
	}
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		ns.t.Fatalf("netlab: start %s: %v", name, err)
	}
	if err := p.cmd.Start(); err != nil {
		ns.t.Fatalf("netlab: start %s: %v", name, err)
	}
	go p.read(stdout)
	ns.t.Cleanup(p.kill)
	return p
}

func (p *Proc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		if e, ok := ParseEvent(sc.Text()); ok {
			p.events = append(p.events, e)
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
	p.err = p.cmd.Wait()
	close(p.done)
}

func (p *Proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Stop kills the process (by its PID) and waits for it to exit.
func (p *Proc) Stop() { p.kill() }

// WaitEvent waits for the first event with the given name, or for the
// process to exit or ctx to end first.
func (p *Proc) WaitEvent(ctx context.Context, name string) (Event, error) {
	for {
		p.mu.Lock()
		for _, e := range p.events {
			if e.Name() == name {
				p.mu.Unlock()
				return e, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.done:
			if e, ok := p.Event(name); ok {
				return e, nil
			}
			return nil, fmt.Errorf("%s exited (%v) before a %q event", p.Name, p.err, name)
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: no %q event: %w", p.Name, name, ctx.Err())
		}
	}
}

// WaitLine waits for a stdout line containing substr.
func (p *Proc) WaitLine(ctx context.Context, substr string) error {
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if strings.Contains(l, substr) {
				p.mu.Unlock()
				return nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before printing %q", p.Name, p.err, substr)
		case <-ctx.Done():
			return fmt.Errorf("%s: no line with %q: %w", p.Name, substr, ctx.Err())
		}
	}
}

// Wait waits for the process to exit and returns its exit error (nil for
// status 0).
func (p *Proc) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("%s still running: %w", p.Name, ctx.Err())
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the exit status, or -1 when it has not exited or was killed.
func (p *Proc) ExitCode() int {
	if !p.Exited() {
		return -1
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		return -1
	}
	return 0
}

// Event returns the first event with the given name seen so far.
func (p *Proc) Event(name string) (Event, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.events {
		if e.Name() == name {
			return e, true
		}
	}
	return nil, false
}

// Events returns every event with the given name seen so far.
func (p *Proc) Events(name string) []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Event
	for _, e := range p.events {
		if e.Name() == name {
			out = append(out, e)
		}
	}
	return out
}

// Output is the process's stdout and stderr so far, for failure messages.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("---- %s stdout ----\n%s\n---- %s stderr ----\n%s",
		p.Name, strings.Join(p.lines, "\n"), p.Name, p.stderr.String())
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}
