//go:build !linux && !windows

package selfremove

import (
	"errors"
	"fmt"
	"runtime"
)

// On Windows a running executable cannot be deleted. The plan: at Remove,
// start a detached `cmd /c` that waits for this process to exit (ping -n 2
// 127.0.0.1 >nul, or waiting on the PID) and then runs `del` on the binary,
// with CREATE_NO_WINDOW|DETACHED_PROCESS so it outlives the agent; if that
// cannot start, MoveFileEx(path, NULL, MOVEFILE_DELAY_UNTIL_REBOOT) marks
// it for deletion at the next boot (which needs administrator rights, so it
// is the fallback). The identity check uses the volume serial number and
// file index from GetFileInformationByHandle instead of device and inode.

var errReplaced = errors.New("the agent binary was replaced")

type fileID struct{}

func identify(string) (fileID, error) { return fileID{}, nil }

func removeExecutable(string, fileID) error {
	return fmt.Errorf("self-removal is not implemented on %s", runtime.GOOS)
}

// Sweeping dead agents' temporary directories waits for the Windows port.
func processAlive(int) bool { return true }

func ownedByMe(string) bool { return false }

// The guardian waits for the Windows port (a waiting child process works
// there too).

// RunGuardian returns at once: there is no guardian on this system.
func RunGuardian(map[string]Undo) {}

func (r *Remover) startGuardian() error {
	return fmt.Errorf("no self-removal guardian on %s", runtime.GOOS)
}

// SetUndo does nothing: there is no guardian to tell.
func (r *Remover) SetUndo(name string, state []byte) {}

func (r *Remover) stopGuardian() error { return nil }
