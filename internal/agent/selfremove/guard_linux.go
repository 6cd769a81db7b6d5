//go:build linux

package selfremove

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// guardEnv marks a process started as a guardian.
const guardEnv = "TANDEM_SELFREMOVE_GUARDIAN"

// guardWait bounds how long Remove waits for the guardian to exit.
const guardWait = 5 * time.Second

// undoWait bounds each Undo the guardian runs: an X server that hangs must
// not keep the guardian alive, nor keep it from removing the files.
const undoWait = 10 * time.Second

// guardHeader is the first line the agent sends its guardian.
type guardHeader struct {
	Exe     string `json:"exe"`
	Dev     uint64 `json:"dev"`
	Ino     uint64 `json:"ino"`
	TempDir string `json:"temp"`
}

// RunGuardian makes this process a guardian and exits, when it was started
// as one (Options.Guardian); otherwise it returns at once. A program that
// sets Options.Guardian must call it first thing in main, before flags are
// parsed or anything is opened. undo names what reverses each kind of
// state the program reports with Remover.SetUndo.
func RunGuardian(undo map[string]Undo) {
	if os.Getenv(guardEnv) != "1" {
		return
	}
	os.Exit(guard(os.Stdin, undo))
}

// guard waits for the agent's end: its lines on r say what to remove
// (the header, then "track PATH", "glob PATTERN" and "keep PATH"), what
// to undo ("undo NAME BASE64", the latest per name counts), and "done"
// that the agent removed everything itself. When r ends without "done" —
// the agent was killed, crashed, or Xlib ended it when its X connection
// broke — the guardian undoes what the agent could not and removes what
// the agent's Remove would have.
func guard(r io.Reader, undo map[string]Undo) int {
	// Ctrl-C, a closed terminal or a stop of the agent's process group is
	// for the agent; the guardian's work starts when the agent is gone.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTSTP)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	if !sc.Scan() {
		return 0 // the agent died before it said anything: nothing known to remove
	}
	var h guardHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Exe == "" || h.TempDir == "" {
		return 2
	}
	rm := &Remover{exe: h.Exe, id: fileID{dev: h.Dev, ino: h.Ino}, tempDir: h.TempDir,
		log: slog.New(slog.DiscardHandler), kept: map[string]bool{}}
	states := map[string][]byte{}
	for sc.Scan() {
		verb, path, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "track":
			rm.tracked = append(rm.tracked, path)
		case "keep":
			rm.kept[path] = true
		case "glob":
			rm.globs = append(rm.globs, path)
		case "undo":
			name, enc, _ := strings.Cut(path, " ")
			if b, err := base64.StdEncoding.DecodeString(enc); err == nil {
				states[name] = b
			}
		case "done":
			return 0
		}
	}
	// The customer's desktop first: it matters while they still use it.
	failed := runUndos(undo, states)
	if rm.Remove() != nil || failed {
		return 1
	}
	return 0
}

// runUndos runs each Undo that has a state, each for at most undoWait,
// and reports whether any failed.
func runUndos(undo map[string]Undo, states map[string][]byte) (failed bool) {
	for name, state := range states {
		fn := undo[name]
		if fn == nil || len(state) == 0 {
			continue
		}
		done := make(chan error, 1)
		go func() { done <- fn(state) }()
		select {
		case err := <-done:
			failed = failed || err != nil
		case <-time.After(undoWait):
			failed = true // the guardian exits soon; the goroutine with it
		}
	}
	return failed
}

// startGuardian starts a copy of this program as r's guardian; r keeps the
// write end of its standard input open until Remove.
func (r *Remover) startGuardian() error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	// /proc/self/exe, not r.exe: the file runs even after its name is gone.
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), guardEnv+"=1")
	cmd.Stdin = pr
	// Its own process group: a Ctrl-C in the customer's terminal goes to
	// the agent alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return err
	}
	h, _ := json.Marshal(guardHeader{Exe: r.exe, Dev: r.id.dev, Ino: r.id.ino, TempDir: r.tempDir})
	if _, err := pw.Write(append(h, '\n')); err != nil {
		pw.Close()
		cmd.Wait()
		return err
	}
	r.guard, r.guardIn = cmd, pw
	return nil
}

// SetUndo tells the guardian how to reverse a change this process made
// outside the file system, should it end without Remove: the guardian then
// passes the latest state given under name to the Undo that RunGuardian
// got under that name. Report the state before making the change, so that
// no moment is left when a kill would lose it; nil says there is nothing
// to undo. Without a guardian it does nothing.
func (r *Remover) SetUndo(name string, state []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tellGuardian("undo", name+" "+base64.StdEncoding.EncodeToString(state))
}

// stopGuardian tells the guardian the agent removed everything itself and
// waits for it to exit, so that no process outlives the agent. r.mu is
// held.
func (r *Remover) stopGuardian() error {
	if r.guard == nil {
		return nil
	}
	fmt.Fprintln(r.guardIn, "done")
	r.guardIn.Close()
	exited := make(chan error, 1)
	go func() { exited <- r.guard.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(guardWait):
		r.guard.Process.Kill()
		err = errors.Join(errors.New("the self-removal guardian did not exit; killed"), <-exited)
	}
	r.guard, r.guardIn = nil, nil
	return err
}
