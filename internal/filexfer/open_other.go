//go:build unix && !linux

package filexfer

import (
	"os"
	"syscall"
)

// openNoFollow opens path read-only refusing a symbolic link as its last
// element.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
}

const oNoFollow = syscall.O_NOFOLLOW

// linkNoReplace hard-links old to new, failing with fs.ErrExist if new
// exists.
func linkNoReplace(old, new string) error { return os.Link(old, new) }
