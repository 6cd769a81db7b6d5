// Command oneshot uses package selfremove the way the agent does, for the
// package's process tests: it writes a temporary file, a tracked file, a
// tracked directory holding a partial and an accepted file, listens on a
// loopback port, prints one JSON line describing itself, and waits for the
// session to end: a line "end" on stdin (Stop, hang-up, link lost), EOF on
// stdin, SIGINT or SIGTERM. Then it closes its listener and removes itself.
// Killed, it leaves that to its guardian, which also undoes its "mark":
// it creates the file the latest SetUndo named (the agent would have
// removed it; standing in for keys remapped on the customer's keyboard).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/tandem-remote/tandem/internal/agent/selfremove"
)

func main() {
	selfremove.RunGuardian(map[string]selfremove.Undo{"mark": mark})
	os.Exit(run())
}

// mark is the guardian's undo: it creates the file state names.
func mark(state []byte) error {
	return os.WriteFile(string(state), nil, 0o600)
}

func run() (code int) {
	dir := flag.String("dir", ".", "where to write the tracked and kept files")
	developer := flag.Bool("developer", false, "keep the binary")
	flag.Parse()
	rm, err := selfremove.New(selfremove.Options{Developer: *developer, Guardian: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer func() {
		if err := rm.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}()
	if err := session(ctx, rm, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func session(ctx context.Context, rm *selfremove.Remover, dir string) error {
	if err := writeFiles(rm, dir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go serve(ln, done)
	defer func() { ln.Close(); <-done }()
	ready := map[string]any{"pid": os.Getpid(), "port": ln.Addr().(*net.TCPAddr).Port, "temp": rm.TempDir(), "exe": rm.Executable()}
	if err := json.NewEncoder(os.Stdout).Encode(ready); err != nil {
		return err
	}
	waitEnd(ctx)
	return nil
}

func writeFiles(rm *selfremove.Remover, dir string) error {
	received := filepath.Join(dir, "received")
	files := []struct {
		path  string
		track bool
		keep  bool
	}{
		{filepath.Join(rm.TempDir(), "scratch"), false, false},
		{filepath.Join(dir, "agent.log"), true, false},
		{filepath.Join(received, "report.pdf.part"), false, false},
		{filepath.Join(received, "accepted.txt"), false, true},
	}
	if err := os.MkdirAll(received, 0o700); err != nil {
		return err
	}
	rm.Track(received)
	// A folder the agent did not make (the customer's Downloads): only
	// the partial file it left there goes.
	downloads := filepath.Join(dir, "Downloads")
	if err := os.MkdirAll(downloads, 0o700); err != nil {
		return err
	}
	rm.TrackPattern(downloads, ".*.tandem-partial")
	// Only the latest state counts.
	rm.SetUndo("mark", []byte(filepath.Join(dir, "undone-stale")))
	rm.SetUndo("mark", []byte(filepath.Join(dir, "undone")))
	if err := os.WriteFile(filepath.Join(downloads, ".big.iso.0123.tandem-partial"), []byte("x"), 0o600); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, []byte("x"), 0o600); err != nil {
			return err
		}
		if f.track {
			rm.Track(f.path)
		}
		if f.keep {
			rm.Keep(f.path)
		}
	}
	return nil
}

func serve(ln net.Listener, done chan<- struct{}) {
	defer close(done)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// waitEnd returns when ctx ends or stdin says the session is over.
func waitEnd(ctx context.Context) {
	ended := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() && sc.Text() != "end" {
		}
		close(ended)
	}()
	select {
	case <-ctx.Done():
	case <-ended:
	}
}
