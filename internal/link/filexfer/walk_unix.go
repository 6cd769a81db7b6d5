//go:build unix

package filexfer

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// openWalk opens the file at an absolute, cleaned path one element at a
// time from the root: each folder is opened relative to the one before it
// with O_NOFOLLOW|O_DIRECTORY, and the file relative to its folder with
// flags (which hold O_NOFOLLOW). A link anywhere in the path fails the open
// (ELOOP, ENOTDIR) instead of being followed, even one put in a folder's
// place a moment before: what openat2's RESOLVE_NO_SYMLINKS does in one
// call, for systems without it. dirFlags opens a folder only to look
// inside it (O_PATH where there is one).
func openWalk(path string, flags, dirFlags int) (int, error) {
	if !strings.HasPrefix(path, "/") {
		return -1, unix.EINVAL
	}
	elems := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	dir, err := unix.Open("/", dirFlags|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil || len(elems) == 0 {
		if err == nil {
			unix.Close(dir)
			err = unix.EISDIR
		}
		return -1, err
	}
	for _, elem := range elems[:len(elems)-1] {
		next, err := openElem(dir, elem, dirFlags|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC)
		unix.Close(dir)
		if err != nil {
			return -1, err
		}
		dir = next
	}
	defer unix.Close(dir)
	return openElem(dir, elems[len(elems)-1], flags|unix.O_NOFOLLOW)
}

// openElem opens one plain element of a path in the folder dir: "." and
// ".." would step out of the walk, and a cleaned path holds neither.
func openElem(dir int, elem string, flags int) (int, error) {
	if elem == "." || elem == ".." {
		return -1, unix.EINVAL
	}
	for {
		fd, err := unix.Openat(dir, elem, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// newFile makes the result of opening path with O_NONBLOCK (so that a
// FIFO put in a file's place does not block the open) a blocking *os.File,
// with an error as os.Open gives it.
func newFile(path string, fd int, err error) (*os.File, error) {
	if err == nil {
		if err = unix.SetNonblock(fd, false); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
