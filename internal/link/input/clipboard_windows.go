//go:build windows

package input

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

const (
	cfUnicodeText     = 13
	gmemMoveable      = 0x0002
	hwndMessage       = ^uintptr(2) // HWND_MESSAGE, (HWND)-3
	pmRemove          = 0x0001
	wmClipboardUpdate = 0x031D
	wmApp             = 0x8000
	wmWake            = wmApp + 1 // a job or Close is waiting
	wmClipboardNews   = wmApp + 2 // the window procedure saw WM_CLIPBOARDUPDATE
)

var (
	procCreateWindowExW               = user32.NewProc("CreateWindowExW")
	procDestroyWindow                 = user32.NewProc("DestroyWindow")
	procPeekMessageW                  = user32.NewProc("PeekMessageW")
	procGetMessageW                   = user32.NewProc("GetMessageW")
	procPostMessageW                  = user32.NewProc("PostMessageW")
	procTranslateMessage              = user32.NewProc("TranslateMessage")
	procDispatchMessageW              = user32.NewProc("DispatchMessageW")
	procDefWindowProcW                = user32.NewProc("DefWindowProcW")
	procRegisterClassExW              = user32.NewProc("RegisterClassExW")
	procAddClipboardFormatListener    = user32.NewProc("AddClipboardFormatListener")
	procRemoveClipboardFormatListener = user32.NewProc("RemoveClipboardFormatListener")
	procGetModuleHandleW              = kernel32.NewProc("GetModuleHandleW")
	clipboardClass                    = sync.OnceValues(registerClipboardClass)
)

// WindowsClipboard reads and writes the clipboard as Unicode text
// (CF_UNICODETEXT), with Windows' CRLF line ends turned into \n and back,
// and says when another program puts something new on it. One OS thread
// owns a message-only window for it: SetClipboardData needs an owner
// window, and the owner must answer the messages other programs' clipboard
// calls send it, or they would wait. The window is a clipboard format
// listener, so the thread sleeps in GetMessageW until the clipboard
// changes or Get, Set or Close post it a message; where the listener is
// refused it pumps and reads the sequence number every clipboardPoll.
type WindowsClipboard struct {
	max     int
	log     *slog.Logger
	changed chan struct{}
	jobs    chan func(hwnd uintptr)
	hwnd    uintptr // the owner window, set before NewWindowsClipboard returns
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// clipboardPoll is how often the owner thread answers messages and reads
// the clipboard's sequence number when it cannot listen.
const clipboardPoll = 50 * time.Millisecond

// NewWindowsClipboard starts the clipboard's owner thread.
// Options.Display is ignored.
func NewWindowsClipboard(opts ClipboardOptions) (*WindowsClipboard, error) {
	c := &WindowsClipboard{max: opts.MaxBytes, log: opts.Logger, changed: make(chan struct{}, 1),
		jobs: make(chan func(uintptr), 16), stop: make(chan struct{}), done: make(chan struct{})}
	if c.max <= 0 {
		c.max = MaxClipboard
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	started := make(chan error, 1)
	go c.serve(started)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("clipboard: %w", err)
	}
	return c, nil
}

// serve runs on its own locked OS thread until Close: it owns the window,
// runs Get and Set, and watches the clipboard.
func (c *WindowsClipboard) serve(started chan<- error) {
	defer close(c.done)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	class, err := clipboardClass()
	if err != nil {
		started <- err
		return
	}
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, 0, 0, 0, 0, 0, hwndMessage, 0, module(), 0)
	if hwnd == 0 {
		started <- fmt.Errorf("create its message window: %w", err)
		return
	}
	defer procDestroyWindow.Call(hwnd)
	c.hwnd = hwnd
	if err := listenClipboard(hwnd); err != nil {
		c.log.Warn("clipboard: no change notifications (AddClipboardFormatListener failed); polling every 50 ms instead", "err", err)
		started <- nil
		c.poll(hwnd)
		return
	}
	defer procRemoveClipboardFormatListener.Call(hwnd)
	started <- nil
	c.listen(hwnd)
}

// listenClipboard makes hwnd a clipboard format listener.
func listenClipboard(hwnd uintptr) error {
	if err := procAddClipboardFormatListener.Find(); err != nil {
		return err
	}
	if ok, _, err := procAddClipboardFormatListener.Call(hwnd); ok == 0 {
		return err
	}
	return nil
}

// msg is Win32's MSG.
type msg struct {
	hwnd     uintptr
	message  uint32
	wParam   uintptr
	lParam   uintptr
	time     uint32
	pt       struct{ x, y int32 }
	lPrivate uint32
}

// listen waits for messages until Close: a change of the clipboard, or a
// wake-up for jobs and Close.
func (c *WindowsClipboard) listen(hwnd uintptr) {
	last := sequence()
	var m msg
	for {
		r, _, err := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if int32(r) <= 0 { // -1 is an error, 0 WM_QUIT
			c.log.Error("clipboard: its message loop ended; restart the session to share the clipboard again", "err", err)
			return
		}
		switch {
		case m.hwnd == hwnd && m.message == wmWake:
			select {
			case <-c.stop:
				return
			default:
			}
			if c.runJobs(hwnd) {
				last = sequence() // our own change is not news
			}
		case m.hwnd == hwnd && m.message == wmClipboardNews:
			last = c.check(last)
		default:
			procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
			procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
		}
	}
}

// runJobs runs the jobs waiting, reporting whether there were any.
func (c *WindowsClipboard) runJobs(hwnd uintptr) bool {
	ran := false
	for {
		select {
		case job := <-c.jobs:
			job(hwnd)
			ran = true
		default:
			return ran
		}
	}
}

// check signals Changed when the sequence number moved from last, and
// returns the current one.
func (c *WindowsClipboard) check(last uint32) uint32 {
	n := sequence()
	if n != last {
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
	return n
}

// poll is serve's loop where the window may not listen: it answers
// messages and reads the sequence number every clipboardPoll.
func (c *WindowsClipboard) poll(hwnd uintptr) {
	t := time.NewTicker(clipboardPoll)
	defer t.Stop()
	last := sequence()
	for {
		pump()
		select {
		case <-c.stop:
			return
		case job := <-c.jobs:
			job(hwnd)
			last = sequence() // our own change is not news
		case <-t.C:
			last = c.check(last)
		}
	}
}

// registerClipboardClass registers the owner window's class, once a
// process: its procedure posts WM_CLIPBOARDUPDATE on to the thread's queue
// (Windows may send it, which GetMessageW would never return).
func registerClipboardClass() (*uint16, error) {
	name, _ := windows.UTF16PtrFromString("TandemClipboardOwner")
	proc := windows.NewCallback(func(hwnd, message, wParam, lParam uintptr) uintptr {
		if message == wmClipboardUpdate {
			procPostMessageW.Call(hwnd, wmClipboardNews, 0, 0)
			return 0
		}
		r, _, _ := procDefWindowProcW.Call(hwnd, message, wParam, lParam)
		return r
	})
	wc := struct {
		size                uint32
		style               uint32
		wndProc             uintptr
		clsExtra, wndExtra  int32
		instance, icon      uintptr
		cursor, background  uintptr
		menuName, className *uint16
		iconSm              uintptr
	}{wndProc: proc, instance: module(), className: name}
	wc.size = uint32(unsafe.Sizeof(wc))
	if atom, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); atom == 0 {
		return nil, fmt.Errorf("register its window class: %w", err)
	}
	return name, nil
}

// module is the program's module handle, the owner window class's
// instance.
func module() uintptr {
	h, _, _ := procGetModuleHandleW.Call(0)
	return h
}

// pump answers the messages waiting for this thread's window.
func pump() {
	var m msg
	for {
		if ok, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0, pmRemove); ok == 0 {
			return
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}

func sequence() uint32 {
	n, _, _ := procGetClipboardSequenceNumber.Call()
	return uint32(n)
}

// do runs job on the owner thread, waking it, and returns its error.
func (c *WindowsClipboard) do(ctx context.Context, job func(hwnd uintptr) error) error {
	errc := make(chan error, 1)
	select {
	case c.jobs <- func(hwnd uintptr) { errc <- job(hwnd) }:
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("clipboard: %w", ctx.Err())
	}
	c.wake()
	select {
	case err := <-errc:
		return err
	case <-c.done:
		select {
		case err := <-errc:
			return err
		default:
			return ErrClosed
		}
	}
}

// wake posts the owner thread a message so it looks at jobs and stop.
func (c *WindowsClipboard) wake() {
	procPostMessageW.Call(c.hwnd, wmWake, 0, 0)
}

// Changed is signalled when another program put something on the
// clipboard.
func (c *WindowsClipboard) Changed() <-chan struct{} { return c.changed }

// Get returns the clipboard's text, ErrNoText when it holds none, or
// ErrTooLarge over the limit.
func (c *WindowsClipboard) Get(ctx context.Context) (string, error) {
	var text string
	err := c.do(ctx, func(hwnd uintptr) error {
		if err := openClipboard(ctx, hwnd); err != nil {
			return err
		}
		defer procCloseClipboard.Call()
		var err error
		text, err = readText()
		return err
	})
	if err != nil {
		return "", err
	}
	if len(text) > c.max {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(text), c.max)
	}
	return text, nil
}

// readText reads CF_UNICODETEXT from the open clipboard.
func readText() (string, error) {
	h, _, _ := procGetClipboardData.Call(cfUnicodeText)
	if h == 0 {
		return "", ErrNoText
	}
	p, _, _ := procGlobalLock.Call(h)
	if p == 0 {
		return "", ErrNoText
	}
	defer procGlobalUnlock.Call(h)
	size, _, _ := procGlobalSize.Call(h)
	units := unsafe.Slice((*uint16)(unsafe.Add(nil, p)), size/2)
	for i, u := range units {
		if u == 0 {
			units = units[:i]
			break
		}
	}
	return strings.ReplaceAll(string(utf16.Decode(units)), "\r\n", "\n"), nil
}

// Set puts text on the clipboard, owned by the clipboard's window.
func (c *WindowsClipboard) Set(text string) error {
	if len(text) > c.max {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(text), c.max)
	}
	units := utf16.Encode([]rune(strings.ReplaceAll(text, "\n", "\r\n") + "\x00"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.do(ctx, func(hwnd uintptr) error {
		h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(2*len(units)))
		if h == 0 {
			return fmt.Errorf("clipboard: GlobalAlloc: %w", err)
		}
		p, _, _ := procGlobalLock.Call(h)
		copy(unsafe.Slice((*uint16)(unsafe.Add(nil, p)), len(units)), units)
		procGlobalUnlock.Call(h)
		if err := openClipboard(ctx, hwnd); err != nil {
			procGlobalFree.Call(h)
			return err
		}
		defer procCloseClipboard.Call()
		procEmptyClipboard.Call()
		if r, _, err := procSetClipboardData.Call(cfUnicodeText, h); r == 0 {
			procGlobalFree.Call(h)
			return fmt.Errorf("clipboard: SetClipboardData: %w", err)
		}
		return nil // the system owns h now
	})
}

// openClipboard opens the clipboard for hwnd, retrying while another
// program holds it.
func openClipboard(ctx context.Context, hwnd uintptr) error {
	for {
		if ok, _, _ := procOpenClipboard.Call(hwnd); ok != 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clipboard: another program keeps it open: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops the owner thread (the text it put on the clipboard stays).
func (c *WindowsClipboard) Close() error {
	c.once.Do(func() {
		close(c.stop)
		c.wake()
	})
	<-c.done
	return nil
}
