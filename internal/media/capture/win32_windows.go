//go:build windows

package capture

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The GDI and user32 calls the Windows source makes; the DLLs load from
// system32 only.
var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")

	procGetDC               = user32.NewProc("GetDC")
	procReleaseDC           = user32.NewProc("ReleaseDC")
	procEnumDisplayMonitors = user32.NewProc("EnumDisplayMonitors")
	procGetMonitorInfoW     = user32.NewProc("GetMonitorInfoW")
	procGetSystemMetrics    = user32.NewProc("GetSystemMetrics")
	procGetCursorInfo       = user32.NewProc("GetCursorInfo")
	procGetIconInfo         = user32.NewProc("GetIconInfo")
	procDrawIconEx          = user32.NewProc("DrawIconEx")
	procSetProcessDPIAware  = user32.NewProc("SetProcessDPIAware")

	procCreateCompatibleDC = gdi32.NewProc("CreateCompatibleDC")
	procCreateDIBSection   = gdi32.NewProc("CreateDIBSection")
	procSelectObject       = gdi32.NewProc("SelectObject")
	procBitBlt             = gdi32.NewProc("BitBlt")
	procDeleteObject       = gdi32.NewProc("DeleteObject")
	procDeleteDC           = gdi32.NewProc("DeleteDC")
	procGdiFlush           = gdi32.NewProc("GdiFlush")
)

const (
	smXVirtualScreen  = 76
	smYVirtualScreen  = 77
	smCXVirtualScreen = 78
	smCYVirtualScreen = 79
	smCXCursor        = 13
	smCYCursor        = 14

	srcCopy  = 0x00CC0020
	diNormal = 0x0003

	monitorInfoPrimary = 1
	cursorShowing      = 1
)

type rect struct{ Left, Top, Right, Bottom int32 }

func (r rect) image() image.Rectangle {
	return image.Rect(int(r.Left), int(r.Top), int(r.Right), int(r.Bottom))
}

type monitorInfoEx struct {
	Size    uint32
	Monitor rect
	Work    rect
	Flags   uint32
	Device  [32]uint16
}

type bitmapInfoHeader struct {
	Size          uint32
	Width         int32
	Height        int32
	Planes        uint16
	BitCount      uint16
	Compression   uint32
	SizeImage     uint32
	XPelsPerMeter int32
	YPelsPerMeter int32
	ClrUsed       uint32
	ClrImportant  uint32
}

type cursorInfo struct {
	Size   uint32
	Flags  uint32
	Cursor windows.Handle
	X, Y   int32
}

type iconInfo struct {
	Icon       int32
	HotX, HotY uint32
	Mask       windows.Handle
	Color      windows.Handle
}

func metric(i uintptr) int {
	r, _, _ := procGetSystemMetrics.Call(i)
	return int(int32(r))
}

// virtualScreen is every monitor's bounding box, in screen coordinates
// (the primary monitor's top-left corner is 0,0; others may be negative).
func virtualScreen() image.Rectangle {
	x, y := metric(smXVirtualScreen), metric(smYVirtualScreen)
	return image.Rect(x, y, x+metric(smCXVirtualScreen), y+metric(smCYVirtualScreen))
}

// monitors lists the display monitors in EnumDisplayMonitors' order,
// numbered from 1. The callback is made once: Windows keeps a limited
// number of them per process.
var (
	enumOnce sync.Once
	enumCB   uintptr
	enumMu   sync.Mutex
	enumList []Monitor
)

func monitors() ([]Monitor, error) {
	enumOnce.Do(func() {
		enumCB = windows.NewCallback(func(hmon, hdc, r, data uintptr) uintptr {
			mi := monitorInfoEx{Size: uint32(unsafe.Sizeof(monitorInfoEx{}))}
			if ok, _, _ := procGetMonitorInfoW.Call(hmon, uintptr(unsafe.Pointer(&mi))); ok == 0 {
				return 1
			}
			b := mi.Monitor.image()
			enumList = append(enumList, Monitor{
				ID: len(enumList) + 1, Name: windows.UTF16ToString(mi.Device[:]),
				X: b.Min.X, Y: b.Min.Y, Width: b.Dx(), Height: b.Dy(),
				Primary: mi.Flags&monitorInfoPrimary != 0,
			})
			return 1
		})
	})
	enumMu.Lock()
	defer enumMu.Unlock()
	enumList = nil
	if ok, _, err := procEnumDisplayMonitors.Call(0, 0, enumCB, 0); ok == 0 {
		return nil, fmt.Errorf("enumerate monitors: %w", err)
	}
	return append([]Monitor(nil), enumList...), nil
}

// dib is a memory DC with a top-down 32-bit DIB section selected into it:
// BitBlt writes B, G, R, X bytes straight into pix.
type dib struct {
	dc, bmp, old uintptr
	size         image.Point
	pix          []byte
}

func newDIB(size image.Point) (*dib, error) {
	dc, _, err := procCreateCompatibleDC.Call(0)
	if dc == 0 {
		return nil, fmt.Errorf("CreateCompatibleDC: %w", err)
	}
	bi := bitmapInfoHeader{Width: int32(size.X), Height: -int32(size.Y), Planes: 1, BitCount: 32}
	bi.Size = uint32(unsafe.Sizeof(bi))
	var bits unsafe.Pointer
	bmp, _, err := procCreateDIBSection.Call(dc, uintptr(unsafe.Pointer(&bi)), 0, uintptr(unsafe.Pointer(&bits)), 0, 0)
	if bmp == 0 || bits == nil {
		procDeleteDC.Call(dc)
		return nil, fmt.Errorf("CreateDIBSection %dx%d: %w", size.X, size.Y, err)
	}
	old, _, _ := procSelectObject.Call(dc, bmp)
	return &dib{dc: dc, bmp: bmp, old: old, size: size, pix: unsafe.Slice((*byte)(bits), 4*size.X*size.Y)}, nil
}

// grab copies area of the screen (screen coordinates, area.Size() ==
// d.size) into pix.
func (d *dib) grab(area image.Rectangle) error {
	screen, _, _ := procGetDC.Call(0)
	if screen == 0 {
		return errors.New("GetDC of the screen failed (is the desktop locked or on the secure desktop?)")
	}
	defer procReleaseDC.Call(0, screen)
	// SRCCOPY alone: CAPTUREBLT (layered windows on systems without a
	// compositor) made a 1080p grab take 1.36 s under Wine instead of
	// 12.5 ms, and makes the pointer flicker on Windows.
	ok, _, err := procBitBlt.Call(d.dc, 0, 0, uintptr(d.size.X), uintptr(d.size.Y),
		screen, uintptr(area.Min.X), uintptr(area.Min.Y), srcCopy)
	if ok == 0 {
		return fmt.Errorf("BitBlt: %w", err)
	}
	procGdiFlush.Call()
	return nil
}

func (d *dib) free() {
	if d == nil {
		return
	}
	procSelectObject.Call(d.dc, d.old)
	procDeleteObject.Call(d.bmp)
	procDeleteDC.Call(d.dc)
	d.pix = nil
}
