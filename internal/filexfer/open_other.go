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
