package input

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// Errors from the X11 injector.
var (
	ErrClosed         = errors.New("closed")
	ErrUnknownMonitor = errors.New("no such monitor")
)

// Options configures NewX11.
type Options struct {
	// Display names the X display, such as ":0"; empty means $DISPLAY.
	Display string
	// Monitor returns the rectangle, in root-window pixels, of the
	// monitor that a PointerMove's Monitor names, or false when there is
	// no such monitor. It is called on every pointer move, so it should
	// answer from a cache. Nil means one monitor, ID 0, covering the whole
	// root window.
	Monitor func(id uint8) (image.Rectangle, bool)
	// Logger receives X errors; nil discards.
	Logger *slog.Logger
	// Allow, when set, is asked before each event reaches the desktop
	// (see Target); refused events are dropped without an error. The agent
	// uses it to keep input off its own window and inside the shared
	// applications.
	Allow func(Target) bool
	// Injecting, when set, is told of every fake X event right before it
	// is sent: the X event type (KeyPress, KeyRelease, ButtonPress,
	// ButtonRelease or MotionNotify), the keycode or button, and for a
	// motion its root point. A watcher of the customer's own input uses it
	// to tell injected events from local ones.
	Injecting func(xType byte, detail byte, at image.Point)
	// Remapped, when set, is given before each remap of a spare keycode
	// (to type a character the keyboard lacks) what RestoreSpares needs to
	// empty every spare remapped so far, the coming one included. Close
	// restores them itself; the agent hands the state to its self-removal
	// guardian, which restores them if the agent is killed first.
	Remapped func(state []byte)
}

// X11 injects events into an X display through the XTEST extension, over
// one connection it keeps for its lifetime.
type X11 struct {
	conn     *xgb.Conn
	root     xproto.Window
	screen   image.Rectangle
	locate   func(id uint8) (image.Rectangle, bool) // Options.Monitor
	allow    func(Target) bool
	onInject func(xType byte, detail byte, at image.Point)
	remapped func(state []byte)
	display  string // the display's name, for RestoreSpares
	log      *slog.Logger
	loop     chan struct{} // closed when the event loop returns
	stale    atomic.Bool   // the server's keyboard map changed

	mu      sync.Mutex
	closed  bool
	km      *keymap
	spares  sparePool
	keys    map[keyID]keyPos // keys held by KeyDown
	down    [256]bool        // keycodes held
	buttons [10]bool         // X buttons held
	wheel   [2]int           // scroll not yet a whole detent, x and y
}

// NewX11 connects to the display and loads its keyboard map.
func NewX11(opts Options) (*X11, error) {
	c, err := xconn.Dial(opts.Display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", opts.Display, err)
	}
	x, err := newX11(c, opts)
	if err != nil {
		c.Close()
		return nil, err
	}
	go x.events()
	return x, nil
}

func newX11(c *xgb.Conn, opts Options) (*X11, error) {
	if err := xconn.Ext(c, "XTEST", xtest.Init); err != nil {
		return nil, fmt.Errorf("x server lacks the XTEST extension: %w", err)
	}
	km, err := loadKeymap(c)
	if err != nil {
		return nil, err
	}
	scr := xproto.Setup(c).DefaultScreen(c)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &X11{
		conn:     c,
		root:     scr.Root,
		screen:   image.Rect(0, 0, int(scr.WidthInPixels), int(scr.HeightInPixels)),
		locate:   opts.Monitor,
		allow:    opts.Allow,
		onInject: opts.Injecting,
		remapped: opts.Remapped,
		display:  cmp.Or(opts.Display, os.Getenv("DISPLAY")),
		log:      logger,
		loop:     make(chan struct{}),
		km:       km,
		spares:   newSparePool(km),
		keys:     make(map[keyID]keyPos),
	}, nil
}

// events drains the connection: it notes keyboard map changes and logs X
// errors from unchecked requests. It returns when the connection closes.
func (x *X11) events() {
	defer close(x.loop)
	for {
		ev, xerr := x.conn.WaitForEvent()
		switch {
		case ev == nil && xerr == nil:
			return
		case xerr != nil:
			x.log.Warn("x request failed", "err", xerr)
		default:
			if _, ok := ev.(xproto.MappingNotifyEvent); ok {
				x.stale.Store(true)
			}
		}
	}
}

// Inject replays ev on the display.
func (x *X11) Inject(ev Event) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return err
	}
	if !x.permit(ev) {
		return nil
	}
	switch ev.Type {
	case PointerMove:
		return x.move(ev.Monitor, ev.X, ev.Y)
	case ButtonDown, ButtonUp:
		return x.button(ev.Button, ev.Type == ButtonDown)
	case Wheel:
		x.scroll(ev.DX, ev.DY)
		return nil
	case KeyDown:
		return x.keyDown(ev.Code, ev.Keysym)
	case KeyUp:
		x.keyUp(ev.Code, ev.Keysym)
		return nil
	case Text:
		return x.typeText(ev.Text)
	case ReleaseAll:
		return x.releaseAll()
	}
	return fmt.Errorf("inject: %w 0x%02x", ErrUnknownType, byte(ev.Type))
}

func (x *X11) usable() error {
	if x.closed {
		return ErrClosed
	}
	select {
	case <-x.loop:
		return errors.New("x connection lost")
	default:
		return nil
	}
}

// ReleaseAll releases every key and button the injector holds down.
func (x *X11) ReleaseAll() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return err
	}
	return x.releaseAll()
}

func (x *X11) releaseAll() error {
	for kc, held := range x.down {
		if held {
			x.fakeKey(xproto.Keycode(kc), false)
		}
	}
	for b, held := range x.buttons {
		if held {
			x.fakeButton(byte(b), false)
		}
	}
	clear(x.keys)
	x.wheel = [2]int{}
	return x.sync()
}

// Sync waits until the X server has processed every event injected so far.
func (x *X11) Sync() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return err
	}
	return x.sync()
}

func (x *X11) sync() error {
	if _, err := xproto.GetInputFocus(x.conn).Reply(); err != nil {
		return fmt.Errorf("sync with x server: %w", err)
	}
	return nil
}

// Close releases everything held, restores remapped keys and closes the
// connection.
func (x *X11) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	var err error
	if err = x.usable(); err == nil {
		// A fresh map first: a spare another program has remapped since
		// is theirs now, and stays as they left it.
		err = errors.Join(x.releaseAll(), x.refresh())
		if err == nil {
			err = x.spares.restore(x.conn, x.km)
		}
	}
	x.closed = true
	x.mu.Unlock()
	x.conn.Close()
	<-x.loop
	return err
}

var _ Injector = (*X11)(nil)
