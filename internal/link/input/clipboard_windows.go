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
	cfUnicodeText = 13
	gmemMoveable  = 0x0002
	hwndMessage   = ^uintptr(2) // HWND_MESSAGE, (HWND)-3
	pmRemove      = 0x0001
)

var (
	procCreateWindowExW  = user32.NewProc("CreateWindowExW")
	procDestroyWindow    = user32.NewProc("DestroyWindow")
	procPeekMessageW     = user32.NewProc("PeekMessageW")
	procTranslateMessage = user32.NewProc("TranslateMessage")
	procDispatchMessageW = user32.NewProc("DispatchMessageW")
)

// WindowsClipboard reads and writes the clipboard as Unicode text
// (CF_UNICODETEXT), with Windows' CRLF line ends turned into \n and back,
// and says when another program puts something new on it. One OS thread
// owns a message-only window for it: SetClipboardData needs an owner
// window, and the owner must answer the messages other programs' clipboard
// calls send it (it pumps them every clipboardPoll), or they would wait.
type WindowsClipboard struct {
	max     int
	log     *slog.Logger
	changed chan struct{}
	jobs    chan func(hwnd uintptr)
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// clipboardPoll is how often the owner thread answers messages and reads
// the clipboard's sequence number.
const clipboardPoll = 50 * time.Millisecond

// NewWindowsClipboard starts the clipboard's owner thread.
// Options.Display is ignored.
func NewWindowsClipboard(opts ClipboardOptions) (*WindowsClipboard, error) {
	c := &WindowsClipboard{max: opts.MaxBytes, log: opts.Logger, changed: make(chan struct{}, 1),
		jobs: make(chan func(uintptr)), stop: make(chan struct{}), done: make(chan struct{})}
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
// runs Get and Set, and watches the sequence number.
func (c *WindowsClipboard) serve(started chan<- error) {
	defer close(c.done)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	static, _ := windows.UTF16PtrFromString("STATIC")
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(static)), 0, 0, 0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		started <- fmt.Errorf("create its message window: %w", err)
		return
	}
	defer procDestroyWindow.Call(hwnd)
	started <- nil
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
			if n := sequence(); n != last {
				last = n
				select {
				case c.changed <- struct{}{}:
				default:
				}
			}
		}
	}
}

// pump answers the messages waiting for this thread's window.
func pump() {
	var msg [48]byte // MSG on 64-bit Windows
	for {
		if ok, _, _ := procPeekMessageW.Call(uintptr(unsafe.Pointer(&msg)), 0, 0, 0, pmRemove); ok == 0 {
			return
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&msg)))
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&msg)))
	}
}

func sequence() uint32 {
	n, _, _ := procGetClipboardSequenceNumber.Call()
	return uint32(n)
}

// do runs job on the owner thread and returns its error.
func (c *WindowsClipboard) do(ctx context.Context, job func(hwnd uintptr) error) error {
	errc := make(chan error, 1)
	select {
	case c.jobs <- func(hwnd uintptr) { errc <- job(hwnd) }:
		return <-errc
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("clipboard: %w", ctx.Err())
	}
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
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return nil
}
