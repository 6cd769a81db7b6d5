//go:build windows

package selfremove

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"

	"golang.org/x/sys/windows"
)

// errReplaced means the binary's path now names another file.
var errReplaced = errors.New("the agent binary was replaced")

// fileID identifies a file independently of its name: the volume's
// serial number and the file's index on it.
type fileID struct {
	vol uint32
	idx uint64
}

func identify(path string) (fileID, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fileID{}, err
	}
	h, err := windows.CreateFile(p, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return fileID{}, fmt.Errorf("inspect the agent binary: %w", err)
	}
	defer windows.CloseHandle(h)
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return fileID{}, fmt.Errorf("inspect the agent binary: %w", err)
	}
	if fi.FileAttributes&(windows.FILE_ATTRIBUTE_DIRECTORY|windows.FILE_ATTRIBUTE_REPARSE_POINT) != 0 {
		return fileID{}, fmt.Errorf("the agent binary %s is not a regular file", path)
	}
	return fileID{vol: fi.VolumeSerialNumber, idx: uint64(fi.FileIndexHigh)<<32 | uint64(fi.FileIndexLow)}, nil
}

// guarded is set while a guardian runs: it deletes the binary once this
// process has exited, since Windows keeps a running program's file.
var guarded atomic.Bool

// removeExecutable deletes path if it is still the file identified at
// New. Windows refuses while the program runs: the guardian then deletes
// it once this process is gone; without a guardian it is marked for
// deletion at the next reboot (MOVEFILE_DELAY_UNTIL_REBOOT, which only an
// administrator may ask for), the last resort.
func removeExecutable(path string, want fileID) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	got, err := identify(path)
	if err != nil {
		return err
	}
	if got != want {
		return errReplaced
	}
	err = os.Remove(path)
	if err == nil || errors.Is(err, fs.ErrNotExist) || guarded.Load() {
		return nil
	}
	p, perr := windows.UTF16PtrFromString(path)
	if perr == nil && windows.MoveFileEx(p, nil, windows.MOVEFILE_DELAY_UNTIL_REBOOT) == nil {
		return nil
	}
	return err
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		// Access denied means it exists (another user's).
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	ev, err := windows.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(windows.WAIT_TIMEOUT)
}

// ownedByMe reports whether path is a directory: %TEMP% is the user's
// own on Windows, so every agent directory in it is this user's.
func ownedByMe(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && info.IsDir()
}
