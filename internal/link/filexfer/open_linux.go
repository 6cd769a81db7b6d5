package filexfer

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openNoFollow opens path read-only refusing a symbolic link anywhere in
// it: openat2 RESOLVE_NO_SYMLINKS, or, on kernels older than 5.6 and where
// a seccomp filter refuses openat2 (EPERM in older container runtimes), a
// walk that opens one element at a time (openWalk; folders with O_PATH, so
// a folder that may be searched but not listed still works). A FIFO put
// in a file's place does not block the open (O_NONBLOCK, cleared once
// open: the caller refuses anything but a regular file).
func openNoFollow(path string) (*os.File, error) {
	const flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK
	how := unix.OpenHow{Flags: flags, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := -1, error(unix.ENOSYS)
	if !forceWalk {
		fd, err = unix.Openat2(unix.AT_FDCWD, path, &how)
	}
	if err == unix.ENOSYS || err == unix.EPERM {
		fd, err = openWalk(path, flags, unix.O_PATH)
	}
	return newFile(path, fd, err)
}

// forceWalk makes openNoFollow act as on a kernel without openat2 (tests).
var forceWalk bool

const oNoFollow = unix.O_NOFOLLOW

// linkNoReplace gives the file at old the name new, failing with
// fs.ErrExist if new exists. It hard-links (old stays, for the caller to
// remove) or, on file systems without hard links (FAT, some network
// shares), renames with RENAME_NOREPLACE.
func linkNoReplace(old, new string) error {
	err := os.Link(old, new)
	if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EMLINK) {
		return err
	}
	if rerr := unix.Renameat2(unix.AT_FDCWD, old, unix.AT_FDCWD, new, unix.RENAME_NOREPLACE); rerr != nil {
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: rerr}
	}
	return nil
}
