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
)

const (
	cfUnicodeText = 13
	gmemMoveable  = 0x0002
)

// WindowsClipboard reads and writes the clipboard as Unicode text
// (CF_UNICODETEXT), with Windows' CRLF line ends turned into \n and back,
// and says when another program puts something new on it (it watches
// GetClipboardSequenceNumber).
type WindowsClipboard struct {
	max     int
	log     *slog.Logger
	changed chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu  sync.Mutex
	own uint32 // the sequence number after our own Set
}

// clipboardPoll is how often the sequence number is read; it is one
// call into user32, no message window needed.
const clipboardPoll = 250 * time.Millisecond

// NewWindowsClipboard starts watching the clipboard. Options.Display is
// ignored.
func NewWindowsClipboard(opts ClipboardOptions) (*WindowsClipboard, error) {
	if err := procGetClipboardSequenceNumber.Find(); err != nil {
		return nil, fmt.Errorf("clipboard: %w", err)
	}
	c := &WindowsClipboard{max: opts.MaxBytes, log: opts.Logger, changed: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	if c.max <= 0 {
		c.max = MaxClipboard
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	go c.watch(sequence())
	return c, nil
}

func sequence() uint32 {
	n, _, _ := procGetClipboardSequenceNumber.Call()
	return uint32(n)
}

func (c *WindowsClipboard) watch(last uint32) {
	defer close(c.done)
	t := time.NewTicker(clipboardPoll)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		n := sequence()
		c.mu.Lock()
		mine := n == c.own
		c.mu.Unlock()
		if n != last && !mine {
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}
		last = n
	}
}

// Changed is signalled when another program put something on the
// clipboard.
func (c *WindowsClipboard) Changed() <-chan struct{} { return c.changed }

// Get returns the clipboard's text, ErrNoText when it holds none, or
// ErrTooLarge over the limit.
func (c *WindowsClipboard) Get(ctx context.Context) (string, error) {
	runtime.LockOSThread() // the clipboard is opened and closed by one thread
	defer runtime.UnlockOSThread()
	if err := openClipboard(ctx); err != nil {
		return "", err
	}
	defer procCloseClipboard.Call()
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
	text := strings.ReplaceAll(string(utf16.Decode(units)), "\r\n", "\n")
	if len(text) > c.max {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(text), c.max)
	}
	return text, nil
}

// Set puts text on the clipboard.
func (c *WindowsClipboard) Set(text string) error {
	if len(text) > c.max {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(text), c.max)
	}
	units := utf16.Encode([]rune(strings.ReplaceAll(text, "\n", "\r\n") + "\x00"))
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(2*len(units)))
	if h == 0 {
		return fmt.Errorf("clipboard: GlobalAlloc: %w", err)
	}
	p, _, _ := procGlobalLock.Call(h)
	copy(unsafe.Slice((*uint16)(unsafe.Add(nil, p)), len(units)), units)
	procGlobalUnlock.Call(h)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := openClipboard(ctx); err != nil {
		procGlobalFree.Call(h)
		return err
	}
	defer procCloseClipboard.Call()
	procEmptyClipboard.Call()
	if r, _, err := procSetClipboardData.Call(cfUnicodeText, h); r == 0 {
		procGlobalFree.Call(h)
		return fmt.Errorf("clipboard: SetClipboardData: %w", err)
	}
	// The system owns h now. EmptyClipboard and SetClipboardData each
	// count one change; the watcher skips the last as ours.
	c.mu.Lock()
	c.own = sequence()
	c.mu.Unlock()
	return nil
}

// openClipboard opens the clipboard for this thread, retrying while
// another program holds it.
func openClipboard(ctx context.Context) error {
	for {
		if ok, _, _ := procOpenClipboard.Call(0); ok != 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clipboard: another program keeps it open: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops watching.
func (c *WindowsClipboard) Close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return nil
}
