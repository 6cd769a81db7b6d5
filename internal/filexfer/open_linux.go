package filexfer

import (
	"os"

	"golang.org/x/sys/unix"
)

// openNoFollow opens path read-only refusing a symbolic link anywhere in
// it (openat2 RESOLVE_NO_SYMLINKS), falling back to refusing one in the last
// element on kernels without openat2.
func openNoFollow(path string) (*os.File, error) {
	how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(unix.AT_FDCWD, path, &how)
	if err == unix.ENOSYS {
		return os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

const oNoFollow = unix.O_NOFOLLOW
