//go:build linux

package selfremove

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// errReplaced means the binary's path now names another file.
var errReplaced = errors.New("the agent binary was replaced")

// fileID identifies a file independently of its name.
type fileID struct{ dev, ino uint64 }

func identify(path string) (fileID, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return fileID{}, fmt.Errorf("inspect the agent binary: %w", err)
	}
	id, ok := regularID(info)
	if !ok {
		return fileID{}, fmt.Errorf("the agent binary %s is not a regular file", path)
	}
	return id, nil
}

func regularID(info fs.FileInfo) (fileID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || !info.Mode().IsRegular() {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, true
}

// removeExecutable unlinks path if it is still the file identified at New.
// Linux lets a running program unlink its own binary: the inode lives on
// until the process exits, the name goes at once. Between the check and the
// unlink someone with write access to the directory could swap the file;
// such a person could delete it anyway, so the window buys them nothing.
func removeExecutable(path string, want fileID) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if got, ok := regularID(info); !ok || got != want {
		return errReplaced
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownedByMe reports whether the current user owns path, so that one user's
// agent never sweeps another's directory.
func ownedByMe(path string) bool {
	info, err := os.Lstat(path)
	if err != nil || !info.IsDir() {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
