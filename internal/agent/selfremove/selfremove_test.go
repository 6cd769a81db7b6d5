package selfremove

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAgent writes an executable file named agent in a fresh directory.
func fakeAgent(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func newRemover(t *testing.T, o Options) *Remover {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveEverythingButKeptFiles(t *testing.T) {
	exe := fakeAgent(t)
	r := newRemover(t, Options{Executable: exe})
	dir := filepath.Dir(exe)
	if info, err := os.Stat(r.TempDir()); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("temp dir %s: %v, %v; want mode 0700", r.TempDir(), info, err)
	}
	temp := filepath.Join(r.TempDir(), "sub", "frame.raw")
	log := filepath.Join(dir, "agent.log")
	partial := filepath.Join(dir, "received", "deep", "a.part")
	accepted := filepath.Join(dir, "received", "deep", "accepted.txt")
	for _, p := range []string{temp, log, partial, accepted} {
		write(t, p)
	}
	r.Track(log)
	r.Track(filepath.Join(dir, "received"))
	r.Keep(accepted)
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{exe, r.TempDir(), log, partial} {
		if exists(t, gone) {
			t.Errorf("%s still exists", gone)
		}
	}
	if !exists(t, accepted) {
		t.Errorf("accepted file %s was removed", accepted)
	}
	if err := r.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

func TestRelativeExecutableAfterChdir(t *testing.T) {
	exe := fakeAgent(t)
	t.Chdir(filepath.Dir(exe))
	r := newRemover(t, Options{Executable: "./agent"})
	t.Chdir(t.TempDir())
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	if exists(t, exe) {
		t.Errorf("%s still exists after the agent changed directory", exe)
	}
}

func TestReplacedBinaryIsLeft(t *testing.T) {
	exe := fakeAgent(t)
	r := newRemover(t, Options{Executable: exe})
	newer := exe + ".new"
	write(t, newer)
	if err := os.Rename(newer, exe); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	if !exists(t, exe) {
		t.Errorf("the file that replaced the agent at %s was deleted", exe)
	}
}

func TestSymlinks(t *testing.T) {
	t.Run("started through a link", func(t *testing.T) {
		exe := fakeAgent(t)
		link := filepath.Join(t.TempDir(), "agent-link")
		if err := os.Symlink(exe, link); err != nil {
			t.Fatal(err)
		}
		r := newRemover(t, Options{Executable: link})
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
		if exists(t, exe) {
			t.Errorf("real binary %s still exists", exe)
		}
		if !exists(t, link) {
			t.Errorf("link %s was removed; only the real file should be", link)
		}
	})
	t.Run("binary swapped for a link", func(t *testing.T) {
		exe := fakeAgent(t)
		r := newRemover(t, Options{Executable: exe})
		other := filepath.Join(t.TempDir(), "precious")
		write(t, other)
		if err := os.Remove(exe); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(other, exe); err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
		if !exists(t, exe) || !exists(t, other) {
			t.Errorf("the link at %s or its target %s was removed", exe, other)
		}
	})
	t.Run("tracked directory holding a link", func(t *testing.T) {
		exe := fakeAgent(t)
		r := newRemover(t, Options{Executable: exe})
		outside := filepath.Join(t.TempDir(), "outside")
		write(t, filepath.Join(outside, "file"))
		tracked := filepath.Join(t.TempDir(), "tracked")
		write(t, filepath.Join(tracked, "x"))
		if err := os.Symlink(outside, filepath.Join(tracked, "link")); err != nil {
			t.Fatal(err)
		}
		r.Track(tracked)
		if err := r.Remove(); err != nil {
			t.Fatal(err)
		}
		if exists(t, tracked) || !exists(t, filepath.Join(outside, "file")) {
			t.Errorf("tracked dir exists: %v; file behind the link exists: %v; want false, true",
				exists(t, tracked), exists(t, filepath.Join(outside, "file")))
		}
	})
}

func TestDeveloperKeepsBinary(t *testing.T) {
	exe := fakeAgent(t)
	r := newRemover(t, Options{Executable: exe, Developer: true})
	log := filepath.Join(filepath.Dir(exe), "agent.log")
	write(t, log)
	r.Track(log)
	if err := r.Remove(); err != nil {
		t.Fatal(err)
	}
	if !exists(t, exe) || !exists(t, log) {
		t.Errorf("developer mode removed the binary (%v) or the log (%v)", !exists(t, exe), !exists(t, log))
	}
	if exists(t, r.TempDir()) {
		t.Errorf("developer mode left the temp dir %s", r.TempDir())
	}
}

func TestRemoveReportsFailures(t *testing.T) {
	exe := fakeAgent(t)
	r := newRemover(t, Options{Executable: exe})
	// A path below a regular file cannot be inspected (ENOTDIR), even as root.
	bad := filepath.Join(exe, "child")
	r.Track(bad)
	err := r.Remove()
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "delete it by hand") {
		t.Fatalf("Remove = %v; want an error naming %s and what to do", err, bad)
	}
	if exists(t, exe) || exists(t, r.TempDir()) {
		t.Errorf("one failure stopped the rest: binary %v, temp dir %v still there", exists(t, exe), exists(t, r.TempDir()))
	}
}

func TestNewRefusesMissingBinary(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if _, err := New(Options{Executable: filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Fatal("New with a missing binary succeeded")
	}
	if entries, _ := os.ReadDir(os.Getenv("TMPDIR")); len(entries) != 0 {
		t.Errorf("failed New left %d entries in TMPDIR", len(entries))
	}
}
