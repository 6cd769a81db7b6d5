package selfremove

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// removeTree deletes path and, if it is a directory, everything under it
// except kept files. Symlinks are removed themselves, never followed. A
// directory that still holds a kept file stays, and that is not an error.
func (r *Remover) removeTree(path string) error {
	if r.kept[path] {
		return nil
	}
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return r.failed(path, err)
	}
	if info.IsDir() {
		if err := r.removeChildren(path); err != nil {
			return err
		}
		if r.holdsKept(path) {
			return nil
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r.failed(path, err)
	}
	return nil
}

// removeMatches deletes the regular files that match glob, kept ones
// aside; a directory or symlink that matches is left alone.
func (r *Remover) removeMatches(glob string) error {
	paths, err := filepath.Glob(glob)
	if err != nil {
		return r.failed(glob, err)
	}
	var errs []error
	for _, p := range paths {
		if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() || r.kept[p] {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, r.failed(p, err))
		}
	}
	return errors.Join(errs...)
}

func (r *Remover) removeChildren(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return r.failed(dir, err)
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, r.removeTree(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

// holdsKept reports whether a kept file lies somewhere under dir.
func (r *Remover) holdsKept(dir string) bool {
	prefix := dir + string(filepath.Separator)
	for k := range r.kept {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func (r *Remover) failed(path string, err error) error {
	r.log.Warn("agent file not removed", "path", path, "err", err)
	return fmt.Errorf("remove %s (delete it by hand): %w", path, err)
}
