package input

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// X11Clipboard reads and writes the CLIPBOARD selection as UTF-8 text, and
// says when another program puts something new on it. It speaks the ICCCM
// selection protocol itself, including INCR for text too large for one
// request, over its own connection and hidden window.
type X11Clipboard struct {
	conn    *xgb.Conn
	win     xproto.Window
	atom    clipAtoms
	max     int
	chunk   int // most bytes one property write carries
	log     *slog.Logger
	changed chan struct{}
	replies chan xgb.Event // SelectionNotify and PropertyNotify for win
	loop    chan struct{}

	getMu sync.Mutex // one Get at a time: they share a property
	mu    sync.Mutex
	text  string
	owned bool
	sends map[sendKey]*incrSend // INCR transfers to other clients
}

type clipAtoms struct {
	clipboard, utf8, targets, text, incr, prop, mime xproto.Atom
}

// NewX11Clipboard connects to the display and starts watching CLIPBOARD.
func NewX11Clipboard(opts ClipboardOptions) (*X11Clipboard, error) {
	conn, err := xconn.Dial(opts.Display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", opts.Display, err)
	}
	c, err := newClipboard(conn, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	go c.events()
	return c, nil
}

func newClipboard(conn *xgb.Conn, opts ClipboardOptions) (*X11Clipboard, error) {
	c := &X11Clipboard{
		conn:    conn,
		max:     opts.MaxBytes,
		chunk:   int(xproto.Setup(conn).MaximumRequestLength)*4 - 1024,
		log:     opts.Logger,
		changed: make(chan struct{}, 1),
		replies: make(chan xgb.Event, 64),
		loop:    make(chan struct{}),
		sends:   make(map[sendKey]*incrSend),
	}
	if c.max <= 0 {
		c.max = MaxClipboard
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if err := c.internAtoms(); err != nil {
		return nil, err
	}
	if err := c.createWindow(); err != nil {
		return nil, err
	}
	return c, c.watch()
}

func (c *X11Clipboard) internAtoms() error {
	names := []string{"CLIPBOARD", "UTF8_STRING", "TARGETS", "TEXT", "INCR", "TANDEM_CLIPBOARD", "text/plain;charset=utf-8"}
	dst := []*xproto.Atom{&c.atom.clipboard, &c.atom.utf8, &c.atom.targets, &c.atom.text, &c.atom.incr, &c.atom.prop, &c.atom.mime}
	for i, name := range names {
		r, err := xproto.InternAtom(c.conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			return fmt.Errorf("intern atom %s: %w", name, err)
		}
		*dst[i] = r.Atom
	}
	return nil
}

// createWindow makes the hidden window that owns the selection and
// receives converted text.
func (c *X11Clipboard) createWindow() error {
	win, err := xproto.NewWindowId(c.conn)
	if err != nil {
		return fmt.Errorf("new window id: %w", err)
	}
	scr := xproto.Setup(c.conn).DefaultScreen(c.conn)
	err = xproto.CreateWindowChecked(c.conn, 0, win, scr.Root, -10, -10, 1, 1, 0, xproto.WindowClassInputOnly, 0,
		xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check()
	if err != nil {
		return fmt.Errorf("create clipboard window: %w", err)
	}
	c.win = win
	return nil
}

// watch asks XFixes to report every new owner of CLIPBOARD.
func (c *X11Clipboard) watch() error {
	if err := xconn.Ext(c.conn, "XFIXES", xfixes.Init); err != nil {
		return fmt.Errorf("x server lacks the XFIXES extension: %w", err)
	}
	if _, err := xfixes.QueryVersion(c.conn, 5, 0).Reply(); err != nil {
		return fmt.Errorf("xfixes version: %w", err)
	}
	err := xfixes.SelectSelectionInputChecked(c.conn, c.win, c.atom.clipboard, xfixes.SelectionEventMaskSetSelectionOwner).Check()
	if err != nil {
		return fmt.Errorf("watch clipboard: %w", err)
	}
	return nil
}

// Changed receives a value when another program takes the clipboard; call
// Get to read what it holds. Changes that come faster than they are
// received coalesce into one.
func (c *X11Clipboard) Changed() <-chan struct{} { return c.changed }

// Set puts text on the clipboard. The clipboard serves it to other
// programs until one of them takes the clipboard.
func (c *X11Clipboard) Set(text string) error {
	if len(text) > c.max {
		return fmt.Errorf("set clipboard: %w (%d bytes, limit %d)", ErrTooLarge, len(text), c.max)
	}
	c.mu.Lock()
	c.text, c.owned = text, true
	c.mu.Unlock()
	if err := xproto.SetSelectionOwnerChecked(c.conn, c.win, c.atom.clipboard, xproto.TimeCurrentTime).Check(); err != nil {
		return fmt.Errorf("set clipboard: %w", err)
	}
	r, err := xproto.GetSelectionOwner(c.conn, c.atom.clipboard).Reply()
	if err != nil {
		return fmt.Errorf("set clipboard: %w", err)
	}
	if r.Owner != c.win {
		return errors.New("set clipboard: another program kept the clipboard")
	}
	return nil
}

// events handles the connection's events until it closes.
func (c *X11Clipboard) events() {
	defer close(c.loop)
	for {
		ev, xerr := c.conn.WaitForEvent()
		switch {
		case ev == nil && xerr == nil:
			return
		case xerr != nil:
			c.log.Warn("x request failed", "err", xerr)
		default:
			c.handle(ev)
		}
	}
}

func (c *X11Clipboard) handle(ev xgb.Event) {
	switch e := ev.(type) {
	case xproto.SelectionRequestEvent:
		c.serve(e)
	case xproto.SelectionClearEvent:
		c.mu.Lock()
		c.text, c.owned = "", false
		c.mu.Unlock()
	case xfixes.SelectionNotifyEvent:
		if e.Owner != c.win && e.Owner != 0 {
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}
	case xproto.SelectionNotifyEvent:
		c.reply(ev)
	case xproto.PropertyNotifyEvent:
		if e.Window == c.win {
			c.reply(ev)
		} else if e.State == xproto.PropertyDelete {
			c.continueSend(sendKey{e.Window, e.Atom})
		}
	}
}

// reply hands an event to the Get waiting for it; with no Get waiting it
// is stale and dropped.
func (c *X11Clipboard) reply(ev xgb.Event) {
	select {
	case c.replies <- ev:
	default:
		c.log.Debug("clipboard reply dropped")
	}
}

// Close stops watching the clipboard and gives it up if it holds it.
func (c *X11Clipboard) Close() error {
	c.conn.Close()
	<-c.loop
	return nil
}
