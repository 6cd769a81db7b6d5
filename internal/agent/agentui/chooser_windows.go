//go:build windows

package agentui

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows "Send a file…" opens the system's Open dialog
// (GetOpenFileNameW): every Windows has it, it knows the customer's
// libraries, shortcuts and language, and screen readers know it. It is
// modal to the agent's window and runs on a thread of its own, so the
// window goes on drawing; the in-window chooser serves where it fails.

var (
	comdlg32             = windows.NewLazySystemDLL("comdlg32.dll")
	procGetOpenFileNameW = comdlg32.NewProc("GetOpenFileNameW")
	procCommDlgError     = comdlg32.NewProc("CommDlgExtendedError")
	ole32                = windows.NewLazySystemDLL("ole32.dll")
	procCoInitializeEx   = ole32.NewProc("CoInitializeEx")
	procCoUninitialize   = ole32.NewProc("CoUninitialize")
)

const (
	ofnNoChangeDir      = 0x00000008
	ofnPathMustExist    = 0x00000800
	ofnFileMustExist    = 0x00001000
	ofnExplorer         = 0x00080000
	ofnDontAddToRecent  = 0x02000000
	coinitApartmentThrd = 0x2
	maxDialogPath       = 32768 // UTF-16 units: long paths included
)

// openFileNameW is OPENFILENAMEW (commdlg.h); Go lays it out as C does.
type openFileNameW struct {
	structSize    uint32
	owner         uintptr
	instance      uintptr
	filter        *uint16
	customFilter  *uint16
	maxCustFilter uint32
	filterIndex   uint32
	file          *uint16
	maxFile       uint32
	fileTitle     *uint16
	maxFileTitle  uint32
	initialDir    *uint16
	title         *uint16
	flags         uint32
	fileOffset    uint16
	fileExtension uint16
	defExt        *uint16
	custData      uintptr
	hook          uintptr
	templateName  *uint16
	reserved      uintptr
	reservedDW    uint32
	flagsEx       uint32
}

// nativeChooser opens the Open dialog, once at a time, and sends the file
// chosen there; false when the dialog is not available (then the window
// shows its own chooser).
func (v *view) nativeChooser() bool {
	if v.pick.noDialog.Load() || procGetOpenFileNameW.Find() != nil {
		return false
	}
	if !v.pick.dialog.CompareAndSwap(false, true) {
		return true // one is open already
	}
	var owner uintptr
	if ids := v.u.WindowIDs(); len(ids) > 0 {
		owner = uintptr(ids[0])
	}
	title := v.t[mSendFile]
	go func() {
		defer v.pick.dialog.Store(false)
		path, ok, err := openFileDialog(owner, title)
		switch {
		case ok:
			v.u.act(Action{Kind: SendFile, Path: path})
		case err != 0: // the dialog failed: the next click shows the window's chooser
			v.u.log.Warn("file dialog failed", "code", err)
			v.pick.noDialog.Store(true)
		}
	}()
	return true
}

// openFileDialog shows the Open dialog owned by owner and returns the
// file chosen; false when the customer closed it, or when the dialog
// failed (err: CommDlgExtendedError's code).
func openFileDialog(owner uintptr, title string) (path string, ok bool, err uintptr) {
	runtime.LockOSThread() // COM and the dialog belong to this thread
	defer runtime.UnlockOSThread()
	procCoInitializeEx.Call(0, coinitApartmentThrd)
	defer procCoUninitialize.Call()
	buf := make([]uint16, maxDialogPath)
	t, _ := windows.UTF16PtrFromString(title)
	ofn := openFileNameW{owner: owner, file: &buf[0], maxFile: uint32(len(buf)), title: t,
		flags: ofnExplorer | ofnFileMustExist | ofnPathMustExist | ofnNoChangeDir | ofnDontAddToRecent}
	ofn.structSize = uint32(unsafe.Sizeof(ofn))
	if r, _, _ := procGetOpenFileNameW.Call(uintptr(unsafe.Pointer(&ofn))); r == 0 {
		code, _, _ := procCommDlgError.Call() // 0: the customer canceled
		return "", false, code
	}
	return windows.UTF16ToString(buf), true, 0
}
