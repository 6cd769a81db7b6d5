package selfremove

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Options configures a Remover.
type Options struct {
	// Executable is the agent binary to delete; "" means os.Executable.
	Executable string
	// Developer keeps the binary and the tracked files and removes only the
	// temporary directory, for someone running the agent from a build tree.
	Developer bool
	// Guardian starts a guardian: a copy of the program that waits for this
	// process to end and, when it ended without Remove (killed, crashed, or
	// ended by Xlib when its X connection broke), removes what Remove would
	// have. The program's main must call RunGuardian first thing. Ignored
	// in Developer mode.
	Guardian bool
	// Logger receives one line per removal problem; nil discards.
	Logger *slog.Logger
}

// An Undo reverses, in the guardian, a change the agent made outside the
// file system (say, keys remapped on the customer's X keyboard) from the
// state the agent last reported with Remover.SetUndo under the same name
// (a word, no spaces). It runs only when the agent ended without Remove.
type Undo func(state []byte) error

// Remover deletes what the agent left on disk. Its methods are safe for
// concurrent use.
type Remover struct {
	exe       string
	id        fileID
	tempDir   string
	developer bool
	log       *slog.Logger

	mu      sync.Mutex
	tracked []string
	kept    map[string]bool
	globs   []string  // TrackPattern's patterns, joined to their folders
	guard   *exec.Cmd // the guardian, while it runs
	guardIn *os.File  // its standard input
}

// New resolves and remembers the agent's binary and creates a private
// temporary directory (mode 0700) for its temporaries.
func New(o Options) (*Remover, error) {
	exe, err := resolve(o.Executable)
	if err != nil {
		return nil, fmt.Errorf("self-removal: find the agent binary: %w", err)
	}
	id, err := identify(exe)
	if err != nil {
		return nil, fmt.Errorf("self-removal: %w", err)
	}
	dir, err := makeTempDir()
	if err != nil {
		return nil, fmt.Errorf("self-removal: create a temporary directory (check $TMPDIR): %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Remover{exe: exe, id: id, tempDir: clean(dir), developer: o.Developer, log: log, kept: map[string]bool{}}
	if n := r.sweep(); n > 0 {
		log.Info("stale agent temp dirs removed", "count", n)
	}
	if o.Guardian && !o.Developer {
		if err := r.startGuardian(); err != nil {
			log.Warn("self-removal guardian not started: a killed agent will leave its file", "err", err)
		}
	}
	return r, nil
}

// resolve returns the real, absolute path of the executable.
func resolve(exe string) (string, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// tellGuardian sends the guardian one line. r.mu is held. Without
// a guardian (none started, or none on this system) it does nothing.
func (r *Remover) tellGuardian(verb, path string) {
	if r.guardIn == nil || strings.ContainsAny(path, "\n") {
		return
	}
	fmt.Fprintf(r.guardIn, "%s %s\n", verb, path)
}

// Executable returns the real path of the binary Remove will delete.
func (r *Remover) Executable() string { return r.exe }

// TempDir returns the private directory for the agent's temporaries.
func (r *Remover) TempDir() string { return r.tempDir }

// Track adds a file or directory the agent wrote; Remove deletes it.
func (r *Remover) Track(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tracked = append(r.tracked, clean(path))
	r.tellGuardian("track", clean(path))
}

// TrackPattern adds the regular files in dir whose names match pattern
// (filepath.Match), as they are when Remove runs: files the agent leaves
// under names it cannot list in advance, in a folder it did not create
// (a cut download's partial file in the customer's Downloads).
func (r *Remover) TrackPattern(dir, pattern string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := filepath.Join(clean(dir), pattern)
	r.globs = append(r.globs, g)
	r.tellGuardian("glob", g)
}

// Keep marks a file the customer accepted: Remove never deletes it, nor
// the directories that lead to it, even when they are tracked.
func (r *Remover) Keep(path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kept[clean(path)] = true
	r.tellGuardian("keep", clean(path))
}

func clean(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// Remove deletes the tracked files, the temporary directory and then the
// binary, skipping kept files. It may be called more than once; what is
// already gone is not an error. The error lists what could not be removed.
func (r *Remover) Remove() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	if !r.developer {
		for _, p := range r.tracked {
			errs = append(errs, r.removeTree(p))
		}
		for _, g := range r.globs {
			errs = append(errs, r.removeMatches(g))
		}
	}
	errs = append(errs, r.removeTree(r.tempDir))
	if !r.developer {
		errs = append(errs, r.removeBinary())
	}
	errs = append(errs, r.stopGuardian())
	return errors.Join(errs...)
}

func (r *Remover) removeBinary() error {
	err := removeExecutable(r.exe, r.id)
	switch {
	case errors.Is(err, errReplaced):
		r.log.Info("agent binary replaced; left in place", "path", r.exe)
		return nil
	case err != nil:
		r.log.Warn("agent binary not removed", "path", r.exe, "err", err)
		return fmt.Errorf("remove the agent binary %s (delete it by hand): %w", r.exe, err)
	}
	return nil
}
