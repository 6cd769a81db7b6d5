//go:build windows

package platform

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"golang.org/x/sys/windows"
)

// The Windows session ending (the customer logs off, or shuts down) is
// told to every top-level window: WM_QUERYENDSESSION, then WM_ENDSESSION,
// after which the system ends the process, and the self-removal guardian
// with it. A hidden top-level window on its own locked thread hears both:
// the session is stopped (the technician is told "stopped") and, before
// the window procedure returns, the agent removes what it wrote and
// schedules its own running binary for deletion at the next reboot.

var (
	sessionUser32       = windows.NewLazySystemDLL("user32.dll")
	procRegisterClassEx = sessionUser32.NewProc("RegisterClassExW")
	procCreateWindowEx  = sessionUser32.NewProc("CreateWindowExW")
	procDefWindowProc   = sessionUser32.NewProc("DefWindowProcW")
	procGetMessage      = sessionUser32.NewProc("GetMessageW")
	procDispatchMessage = sessionUser32.NewProc("DispatchMessageW")
)

const (
	wmQueryEndSession = 0x0011
	wmEndSession      = 0x0016
	wsPopup           = 0x80000000
)

// removeWait bounds how long WM_ENDSESSION waits for the session to stop
// and run Remove itself; Windows allows a few seconds in all.
const removeWait = 3 * time.Second

type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

type msg struct {
	hwnd    uintptr
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      [2]int32
	private uint32
}

// endSessioner is what selfremove's Remover does at logoff on Windows.
type endSessioner interface{ EndSession() error }

// logoff follows the Windows session's end for a Windows platform.
type logoff struct {
	log       *slog.Logger
	ending    chan struct{} // closed at WM_ENDSESSION
	removed   chan struct{} // closed once Remove ran
	endOnce   sync.Once
	rmOnce    sync.Once
	cleanOnce sync.Once
	cleanup   func() error // the Remover's EndSession; nil without one
}

// logoffWatch is the process's one watcher: a window class's procedure
// is a process-wide callback.
var logoffWatch *logoff

func newLogoff(cfg Config) *logoff {
	l := &logoff{log: cfg.Logger, ending: make(chan struct{}), removed: make(chan struct{})}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if es, ok := cfg.Remover.(endSessioner); ok {
		l.cleanup = es.EndSession
	}
	if logoffWatch != nil {
		return logoffWatch
	}
	logoffWatch = l
	started := make(chan error, 1)
	go l.serve(started)
	if err := <-started; err != nil {
		l.log.Warn("the agent will not notice the customer logging off", "err", err)
	}
	return l
}

// serve owns the hidden window on a locked thread and pumps its messages
// for the life of the process.
func (l *logoff) serve(started chan<- error) {
	runtime.LockOSThread()
	name, _ := windows.UTF16PtrFromString("TandemAgentSession")
	wc := wndClassEx{wndProc: windows.NewCallback(l.wndProc), className: name}
	wc.size = uint32(unsafe.Sizeof(wc))
	if r, _, err := procRegisterClassEx.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
		started <- fmt.Errorf("register its session window class: %w", err)
		return
	}
	hwnd, _, err := procCreateWindowEx.Call(0, uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), wsPopup,
		0, 0, 0, 0, 0, 0, 0, 0)
	if hwnd == 0 {
		started <- fmt.Errorf("create its session window: %w", err)
		return
	}
	started <- nil
	var m msg
	for {
		if r, _, _ := procGetMessage.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0); int32(r) <= 0 {
			return
		}
		procDispatchMessage.Call(uintptr(unsafe.Pointer(&m)))
	}
}

func (l *logoff) wndProc(hwnd, message, wParam, lParam uintptr) uintptr {
	switch message {
	case wmQueryEndSession:
		return 1 // never hold the customer's logoff up
	case wmEndSession:
		if wParam != 0 {
			l.end()
		}
		return 0
	}
	r, _, _ := procDefWindowProc.Call(hwnd, message, wParam, lParam)
	return r
}

// end stops the session and waits (bounded) for it to reach Remove,
// which at logoff does the whole cleanup (remove); if the session is
// stuck, the cleanup runs here. It returns only once the cleanup is done:
// the system ends the process right after.
func (l *logoff) end() {
	l.endOnce.Do(func() {
		l.log.Info("the Windows session is ending (logoff): stopping the support session and removing the agent")
		close(l.ending)
		select {
		case <-l.removed:
		case <-time.After(removeWait):
			l.log.Warn("the session did not stop in time for the logoff; removing the agent now")
		}
		l.cleanupOnce()
	})
}

// cleanupOnce runs the Remover's EndSession once; a second caller waits
// until the first is done.
func (l *logoff) cleanupOnce() {
	l.cleanOnce.Do(func() {
		if l.cleanup == nil {
			return
		}
		if err := l.cleanup(); err != nil {
			l.log.Warn("removal at logoff incomplete", "err", err)
		}
	})
}

// remove is the platform's Remove: at logoff the whole cleanup, on the
// session's own goroutine (the process exits as soon as the session
// returns, so the window procedure cannot be left to do it), else plain.
func (l *logoff) remove(plain func() error) error {
	defer l.rmOnce.Do(func() { close(l.removed) })
	select {
	case <-l.ending:
		l.cleanupOnce()
		return nil
	default:
		return plain()
	}
}

// window makes w's actions include a Stop at logoff.
func (l *logoff) window(w Window) Window {
	out := make(chan agentui.Action)
	go forwardActions(w.Actions(), out, l.ending)
	return &logoffWindow{Window: w, acts: out}
}

// logoffWindow is the agent's window with a Stop added at logoff.
type logoffWindow struct {
	Window
	acts chan agentui.Action
}

func (w *logoffWindow) Actions() <-chan agentui.Action { return w.acts }

// forwardActions copies in to out, with one Stop when ending is closed;
// out is closed with in (the customer closed the window).
func forwardActions(in <-chan agentui.Action, out chan<- agentui.Action, ending <-chan struct{}) {
	defer close(out)
	for {
		select {
		case a, ok := <-in:
			if !ok {
				return
			}
			out <- a
		case <-ending:
			ending = nil
			out <- agentui.Action{Kind: agentui.Stop}
		}
	}
}
