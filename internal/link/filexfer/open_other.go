//go:build unix && !linux

package filexfer

import (
	"os"

	"golang.org/x/sys/unix"
)

// openNoFollow opens path read-only refusing a symbolic link anywhere in
// it: a walk that opens one element at a time (openWalk). Folders are
// opened read-only to look inside them, so one that may be searched but
// not listed (mode 0711) cannot be passed through.
func openNoFollow(path string) (*os.File, error) {
	fd, err := openWalk(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, unix.O_RDONLY)
	return newFile(path, fd, err)
}

const oNoFollow = unix.O_NOFOLLOW

// linkNoReplace hard-links old to new, failing with fs.ErrExist if new
// exists.
func linkNoReplace(old, new string) error { return os.Link(old, new) }
