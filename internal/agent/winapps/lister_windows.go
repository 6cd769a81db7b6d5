//go:build windows

package winapps

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32                    = windows.NewLazySystemDLL("user32.dll")
	dwmapi                    = windows.NewLazySystemDLL("dwmapi.dll")
	procEnumWindows           = user32.NewProc("EnumWindows")
	procIsWindowVisible       = user32.NewProc("IsWindowVisible")
	procIsIconic              = user32.NewProc("IsIconic")
	procGetWindowRect         = user32.NewProc("GetWindowRect")
	procGetWindowTextW        = user32.NewProc("GetWindowTextW")
	procGetClassNameW         = user32.NewProc("GetClassNameW")
	procGetWindowLongPtrW     = user32.NewProc("GetWindowLongPtrW")
	procGetWindowThreadPID    = user32.NewProc("GetWindowThreadProcessId")
	procGetSystemMetrics      = user32.NewProc("GetSystemMetrics")
	procDwmGetWindowAttribute = dwmapi.NewProc("DwmGetWindowAttribute")
)

const (
	gwlExStyle              = -20
	wsExToolWindow          = 0x80
	dwmwaExtendedFrameBound = 9
	dwmwaCloaked            = 14
	smXVirtualScreen        = 76 // then Y, width, height
	processQueryLimited     = 0x1000
)

// shellClasses are the shell's own top-level windows: the desktop and the
// taskbars. They cover what lies below them but are never listed, and a
// chosen folder window (explorer.exe too) does not share them.
var shellClasses = []string{"Progman", "WorkerW", "Shell_TrayWnd", "Shell_SecondaryTrayWnd"}

// NewLister returns the Lister of this desktop: EnumWindows in stacking
// order, keeping visible windows that are neither minimised nor cloaked
// (hidden by the desktop window manager: another virtual desktop, a
// suspended store app). Their rectangles are the frames the desktop window
// manager draws (DWMWA_EXTENDED_FRAME_BOUNDS: without the invisible resize
// borders GetWindowRect counts, which show what lies beneath). The process
// must be DPI-aware, as the capture makes it, for real pixels. Windows of
// this process are never listed. The Lister is for one caller at a time
// (a Tracker reads one at a time).
func NewLister() Lister {
	l := &lister{names: make(map[int]string), self: os.Getpid()}
	return l.list
}

type lister struct {
	self  int
	names map[int]string // image names by process ID, from earlier reads
	// screen is the virtual screen as read at screenAt: four
	// GetSystemMetrics calls, re-read at most every screenEvery (a
	// monitor plugged in is rare; a read per frame is not).
	screen   image.Rectangle
	screenAt time.Time
}

const screenEvery = time.Second

func (l *lister) list() (Layout, error) {
	hwnds, err := enumWindows()
	if err != nil {
		return Layout{}, err
	}
	if now := time.Now(); l.screen.Empty() || now.Sub(l.screenAt) >= screenEvery {
		l.screen, l.screenAt = virtualScreen(), now
	}
	out := Layout{Screen: l.screen}
	alive := make(map[int]bool)
	for _, h := range hwnds {
		top, ok := l.describe(h)
		if !ok {
			continue
		}
		alive[top.PID] = true
		out.Windows = append(out.Windows, top)
	}
	for pid := range l.names { // forget ended processes: their IDs come back
		if !alive[pid] {
			delete(l.names, pid)
		}
	}
	return out, nil
}

// describe reads one window; false when it does not show.
func (l *lister) describe(h windows.HWND) (Top, bool) {
	if !call(procIsWindowVisible, uintptr(h)) || call(procIsIconic, uintptr(h)) || cloaked(h) {
		return Top{}, false
	}
	b := bounds(h)
	if b.Empty() {
		return Top{}, false
	}
	var pid uint32
	procGetWindowThreadPID.Call(uintptr(h), uintptr(unsafe.Pointer(&pid)))
	index := int32(gwlExStyle) // negative: sign-extended to the pointer's width
	ex, _, _ := procGetWindowLongPtrW.Call(uintptr(h), uintptr(index))
	top := Top{ID: uint32(h), Title: windowText(procGetWindowTextW, h), PID: int(pid), Bounds: b,
		Shell: slices.Contains(shellClasses, windowText(procGetClassNameW, h))}
	top.Program = l.program(top.PID)
	top.Listed = top.Title != "" && ex&wsExToolWindow == 0 && !top.Shell && top.PID != l.self
	return top, true
}

// program names a process by its image's file name, read once per process.
func (l *lister) program(pid int) string {
	if name, ok := l.names[pid]; ok {
		return name
	}
	name := ""
	if p, err := windows.OpenProcess(processQueryLimited, false, uint32(pid)); err == nil {
		buf := make([]uint16, windows.MAX_LONG_PATH)
		n := uint32(len(buf))
		if windows.QueryFullProcessImageName(p, 0, &buf[0], &n) == nil {
			name = filepath.Base(windows.UTF16ToString(buf[:n]))
		}
		windows.CloseHandle(p)
	}
	l.names[pid] = name
	return name
}

// enumMu guards enumFound: EnumWindows calls back on the calling thread,
// and one callback (callbacks are never freed) serves every call.
var (
	enumMu    sync.Mutex
	enumFound []windows.HWND
	enumOnce  sync.Once
	enumCB    uintptr
)

// enumWindows returns the top-level windows, top of the stack first.
func enumWindows() ([]windows.HWND, error) {
	enumOnce.Do(func() {
		enumCB = windows.NewCallback(func(h windows.HWND, _ uintptr) uintptr {
			enumFound = append(enumFound, h)
			return 1
		})
	})
	enumMu.Lock()
	defer enumMu.Unlock()
	enumFound = enumFound[:0]
	if r, _, err := procEnumWindows.Call(enumCB, 0); r == 0 {
		return nil, err
	}
	return slices.Clone(enumFound), nil
}

func call(p *windows.LazyProc, args ...uintptr) bool {
	r, _, _ := p.Call(args...)
	return r != 0
}

// cloaked reports whether the desktop window manager hides h; false where
// it cannot say.
func cloaked(h windows.HWND) bool {
	if procDwmGetWindowAttribute.Find() != nil {
		return false
	}
	var c uint32
	r, _, _ := procDwmGetWindowAttribute.Call(uintptr(h), dwmwaCloaked, uintptr(unsafe.Pointer(&c)), 4)
	return r == 0 && c != 0
}

// bounds is h's drawn frame, or its window rectangle where the desktop
// window manager does not say.
func bounds(h windows.HWND) image.Rectangle {
	var r windows.Rect
	if procDwmGetWindowAttribute.Find() == nil {
		ok, _, _ := procDwmGetWindowAttribute.Call(uintptr(h), dwmwaExtendedFrameBound, uintptr(unsafe.Pointer(&r)), unsafe.Sizeof(r))
		if ok == 0 && r.Right > r.Left {
			return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
		}
	}
	if !call(procGetWindowRect, uintptr(h), uintptr(unsafe.Pointer(&r))) {
		return image.Rectangle{}
	}
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
}

// windowText reads a window's title or class name with p.
func windowText(p *windows.LazyProc, h windows.HWND) string {
	var buf [256]uint16
	n, _, _ := p.Call(uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return windows.UTF16ToString(buf[:min(int(n), len(buf))])
}

func virtualScreen() image.Rectangle {
	var v [4]int
	for i := range v {
		r, _, _ := procGetSystemMetrics.Call(uintptr(smXVirtualScreen + i))
		v[i] = int(int32(r))
	}
	return image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
}
