//go:build windows

package agentui

import (
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32                   = windows.NewLazySystemDLL("user32.dll")
	procSetWindowPos         = user32.NewProc("SetWindowPos")
	procGetWindowRect        = user32.NewProc("GetWindowRect")
	procGetForegroundWindow  = user32.NewProc("GetForegroundWindow")
	procSystemParametersInfo = user32.NewProc("SystemParametersInfoW")
	procIsWindow             = user32.NewProc("IsWindow")
)

const (
	hwndTopmost    = ^uintptr(0) // HWND_TOPMOST, (HWND)-1
	swpNoSize      = 0x0001
	swpNoMove      = 0x0002
	swpNoActivate  = 0x0010
	swpShowWindow  = 0x0040
	spiGetWorkArea = 0x0030
	keeperInterval = 250 * time.Millisecond
	keeperIdle     = time.Second // the interval once keeperStill checks found nothing
	keeperStill    = 10
	keeperMargin   = 8
)

// keeper keeps the Gio window topmost, in the top-right corner of the
// primary monitor's work area (the desktop without the taskbar), and puts
// it back there when it grows or shrinks with its content; it checks every
// keeperInterval (Windows sends no event to another thread's window
// procedure that Gio would not see first), and every keeperIdle once
// keeperStill checks in a row found nothing to do, until one does (each
// check is three system calls, and every wake-up costs about 1 ms under
// Wine).
type keeper struct {
	log      *slog.Logger
	hwnd     uintptr
	watching bool // loop runs
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// dialKeeper needs no connection on Windows.
func dialKeeper(_ string, log *slog.Logger) (*keeper, error) {
	return &keeper{log: log, stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// watch takes charge of window win (an HWND).
func (k *keeper) watch(win uint32) error {
	k.hwnd = uintptr(win)
	r, err := k.bounds()
	if err != nil {
		return err
	}
	k.place(r)
	k.watching = true
	go k.loop(r.Size())
	return nil
}

func (k *keeper) loop(size image.Point) {
	defer close(k.done)
	t := time.NewTimer(keeperInterval)
	defer t.Stop()
	still := 0
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
		}
		r, err := k.bounds()
		if err != nil {
			return // the window is gone
		}
		if r.Size() != size || !r.In(workArea()) {
			size = r.Size()
			k.place(r)
			still = 0
		} else {
			still++
		}
		t.Reset(keeperWait(still))
	}
}

// keeperWait is the time to the next check after still checks in a row
// found nothing to do.
func keeperWait(still int) time.Duration {
	if still >= keeperStill {
		return keeperIdle
	}
	return keeperInterval
}

// workArea is the primary monitor's desktop without the taskbar.
func workArea() image.Rectangle {
	var r struct{ Left, Top, Right, Bottom int32 }
	procSystemParametersInfo.Call(spiGetWorkArea, 0, uintptr(unsafe.Pointer(&r)), 0)
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
}

// place moves the window of rectangle r to the work area's top-right
// corner, topmost, without taking the keyboard from anyone.
func (k *keeper) place(r image.Rectangle) {
	m := workArea()
	p := image.Pt(max(m.Max.X-r.Dx()-keeperMargin, m.Min.X), m.Min.Y+keeperMargin)
	flags := uintptr(swpNoSize | swpNoActivate | swpShowWindow)
	if p == r.Min {
		flags |= swpNoMove
	}
	procSetWindowPos.Call(k.hwnd, hwndTopmost, uintptr(p.X), uintptr(p.Y), 0, 0, flags)
	k.log.Debug("agentui window placed", "x", p.X, "y", p.Y)
}

// bounds is the window's rectangle on the virtual screen, frame included.
func (k *keeper) bounds() (image.Rectangle, error) {
	if ok, _, _ := procIsWindow.Call(k.hwnd); ok == 0 {
		return image.Rectangle{}, fmt.Errorf("window %#x is gone", k.hwnd)
	}
	var r struct{ Left, Top, Right, Bottom int32 }
	if ok, _, err := procGetWindowRect.Call(k.hwnd, uintptr(unsafe.Pointer(&r))); ok == 0 {
		return image.Rectangle{}, fmt.Errorf("window geometry: %w", err)
	}
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom)), nil
}

// focused reports whether the window is the foreground window (the one
// the keyboard goes to).
func (k *keeper) focused() bool {
	h, _, _ := procGetForegroundWindow.Call()
	return h != 0 && h == k.hwnd
}

func (k *keeper) windowIDs() []uint32 { return []uint32{uint32(k.hwnd)} }

// close stops the keeper.
func (k *keeper) close() {
	k.once.Do(func() { close(k.stop) })
	if k.watching {
		<-k.done
	}
}
