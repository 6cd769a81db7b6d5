//go:build windows

package input

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The user32 and kernel32 calls the Windows injector and clipboard make;
// the DLLs load from system32 only.
var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	procSendInput                  = user32.NewProc("SendInput")
	procVkKeyScanW                 = user32.NewProc("VkKeyScanW")
	procMapVirtualKeyW             = user32.NewProc("MapVirtualKeyW")
	procGetCursorPos               = user32.NewProc("GetCursorPos")
	procGetForegroundWindow        = user32.NewProc("GetForegroundWindow")
	procGetAncestor                = user32.NewProc("GetAncestor")
	procGetSystemMetrics           = user32.NewProc("GetSystemMetrics")
	procOpenClipboard              = user32.NewProc("OpenClipboard")
	procCloseClipboard             = user32.NewProc("CloseClipboard")
	procEmptyClipboard             = user32.NewProc("EmptyClipboard")
	procGetClipboardData           = user32.NewProc("GetClipboardData")
	procSetClipboardData           = user32.NewProc("SetClipboardData")
	procGetClipboardSequenceNumber = user32.NewProc("GetClipboardSequenceNumber")

	procGlobalAlloc  = kernel32.NewProc("GlobalAlloc")
	procGlobalFree   = kernel32.NewProc("GlobalFree")
	procGlobalLock   = kernel32.NewProc("GlobalLock")
	procGlobalUnlock = kernel32.NewProc("GlobalUnlock")
	procGlobalSize   = kernel32.NewProc("GlobalSize")
)

const (
	inputMouse    = 0
	inputKeyboard = 1

	mouseMove       = 0x0001
	mouseLeftDown   = 0x0002
	mouseLeftUp     = 0x0004
	mouseRightDown  = 0x0008
	mouseRightUp    = 0x0010
	mouseMiddleDown = 0x0020
	mouseMiddleUp   = 0x0040
	mouseXDown      = 0x0080
	mouseXUp        = 0x0100
	mouseWheel      = 0x0800
	mouseHWheel     = 0x1000
	mouseVirtual    = 0x4000
	mouseAbsolute   = 0x8000

	keyExtended = 0x0001
	keyUp       = 0x0002
	keyUnicode  = 0x0004

	gaRoot = 2

	smXVirtualScreen  = 76
	smYVirtualScreen  = 77
	smCXVirtualScreen = 78
	smCYVirtualScreen = 79
)

// winInput is INPUT on 64-bit Windows: a type and a 32-byte union, which
// holds a mouseInput or a keybdInput.
type winInput struct {
	typ   uint32
	_     uint32
	union [32]byte
}

type mouseInput struct {
	dx, dy int32
	data   uint32
	flags  uint32
	time   uint32
	extra  uintptr
}

type keybdInput struct {
	vk, scan uint16
	flags    uint32
	time     uint32
	extra    uintptr
}

func mouseEvent(dx, dy int32, data, flags uint32) winInput {
	in := winInput{typ: inputMouse}
	*(*mouseInput)(unsafe.Pointer(&in.union)) = mouseInput{dx: dx, dy: dy, data: data, flags: flags}
	return in
}

func keyEvent(vk, scan uint16, flags uint32) winInput {
	in := winInput{typ: inputKeyboard}
	*(*keybdInput)(unsafe.Pointer(&in.union)) = keybdInput{vk: vk, scan: scan, flags: flags}
	return in
}

// sendInput injects ins in one call, so that nothing another program
// injects comes between them.
func sendInput(ins ...winInput) error {
	if len(ins) == 0 {
		return nil
	}
	n, _, err := procSendInput.Call(uintptr(len(ins)), uintptr(unsafe.Pointer(&ins[0])), unsafe.Sizeof(ins[0]))
	if int(n) != len(ins) {
		// UIPI: a window of a program running as administrator, or the
		// secure desktop (UAC, Ctrl-Alt-Del), takes no input from us.
		return fmt.Errorf("SendInput took %d of %d events (a program running as administrator or the secure desktop is in front): %w", n, len(ins), err)
	}
	return nil
}

func metric(i uintptr) int {
	r, _, _ := procGetSystemMetrics.Call(i)
	return int(int32(r))
}
