package localinput

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/record"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// Options configures Open.
type Options struct {
	// Display names the X display, such as ":0"; empty means $DISPLAY.
	Display string
	// Logger receives the end of recording; nil discards.
	Logger *slog.Logger
	// Ignore, when set, is asked about each event the journal does not
	// explain, with the pointer's root position at the time; events it
	// accepts are not activity. The agent ignores what the customer does
	// on its own window: answering a question or pressing Pause is using
	// Tandem, not taking control back.
	Ignore func(kind Kind, at image.Point) bool
}

// Watcher reports input events the agent did not inject. Its methods are
// safe for concurrent use.
type Watcher struct {
	ctl       *xgb.Conn
	data      *dataConn
	context   record.Context
	screen    image.Rectangle
	log       *slog.Logger
	now       func() time.Time
	activity  chan struct{}
	ignore    func(Kind, image.Point) bool
	stop      chan struct{} // closed by Close: stops the flusher
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu          sync.Mutex
	journal     *journal
	unexplained int       // events the journal did not explain, for tests
	last        time.Time // when the latest of them arrived
}

// Open starts recording the display's device events.
func Open(ctx context.Context, o Options) (*Watcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctl, err := xconn.Dial(o.Display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", o.Display, err)
	}
	w, err := start(ctl, o)
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("watch local input on %q: %w", o.Display, err)
	}
	return w, nil
}

func start(ctl *xgb.Conn, o Options) (*Watcher, error) {
	rc, major, err := createContext(ctl)
	if err != nil {
		return nil, err
	}
	data, err := dialData(o.Display)
	if err == nil {
		err = data.enable(major, uint32(rc))
	}
	if err != nil {
		record.FreeContext(ctl, rc)
		if data != nil {
			data.Close()
		}
		return nil, err
	}
	scr := xproto.Setup(ctl).DefaultScreen(ctl)
	w := &Watcher{
		ctl: ctl, data: data, context: rc, log: o.Logger, now: time.Now, ignore: o.Ignore,
		screen:   image.Rect(0, 0, int(scr.WidthInPixels), int(scr.HeightInPixels)),
		activity: make(chan struct{}, 1), stop: make(chan struct{}),
		journal: newJournal(journalTTL),
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.wg.Add(2)
	go w.read()
	go w.flush()
	return w, nil
}

// createContext makes a RECORD context over core device events from every
// client and returns it with RECORD's major opcode.
func createContext(c *xgb.Conn) (record.Context, byte, error) {
	if err := xconn.Ext(c, "RECORD", record.Init); err != nil {
		return 0, 0, fmt.Errorf("x server lacks the RECORD extension (Xorg: Load \"record\"): %w", err)
	}
	if _, err := record.QueryVersion(c, 1, 13).Reply(); err != nil {
		return 0, 0, fmt.Errorf("record version: %w", err)
	}
	rc, err := record.NewContextId(c)
	if err != nil {
		return 0, 0, err
	}
	r := record.Range{DeviceEvents: record.Range8{First: xproto.KeyPress, Last: xproto.MotionNotify}}
	err = record.CreateContextChecked(c, rc, 0, 1, 1, []record.ClientSpec{record.CsAllClients}, []record.Range{r}).Check()
	if err != nil {
		return 0, 0, fmt.Errorf("create record context: %w", err)
	}
	c.ExtLock.RLock()
	major := c.Extensions["RECORD"]
	c.ExtLock.RUnlock()
	return rc, major, nil
}

// Injecting tells the watcher that the agent is about to inject an event:
// a key (detail: keycode), a button (detail: X button number) or a motion
// to at (root coordinates). Call it right before the injection.
func (w *Watcher) Injecting(kind Kind, detail uint32, at image.Point) {
	if kind == Motion {
		// The server keeps the pointer on screen.
		at.X = min(max(at.X, w.screen.Min.X), w.screen.Max.X-1)
		at.Y = min(max(at.Y, w.screen.Min.Y), w.screen.Max.Y-1)
		detail = 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.journal.add(event{kind: kind, detail: detail, at: at}, w.now())
}

// Activity is signalled (coalesced, never blocking the watcher) when an
// input event arrives that the agent did not inject. A signal may be read
// long after its event: LastActivity says when that was.
func (w *Watcher) Activity() <-chan struct{} { return w.activity }

// LastActivity returns when the watcher received the latest event the
// agent did not inject (zero before the first). A reader of Activity
// judges the event by this time, not by when it read the signal: a move
// made before the customer allowed control, but read after, is no taking
// back.
func (w *Watcher) LastActivity() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Close stops recording and closes both connections.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.stop) })
	w.data.Close()
	w.wg.Wait()
	record.FreeContext(w.ctl, w.context)
	w.ctl.Close()
	return nil
}

// read handles the recorded batches until the data connection ends.
func (w *Watcher) read() {
	defer w.wg.Done()
	var buf []byte
	for {
		category, data, err := w.data.next(buf)
		switch {
		case errors.Is(err, net.ErrClosed):
			return
		case err != nil:
			w.log.Warn("local input recording ended", "err", err)
			return
		case category == categoryEndOfData:
			return
		case category == categoryFromServer:
			w.handle(data)
		}
		buf = data
	}
}

// flushInterval bounds how long recorded events wait in the server.
const flushInterval = 50 * time.Millisecond

// flush makes the server send what it recorded. The server buffers
// recorded events and writes them out only when it flushes output to some
// client; a device event that no client listens to (a key on a bare
// desktop) would otherwise wait for the next unrelated reply. A round trip
// on the control connection is such a reply.
func (w *Watcher) flush() {
	defer w.wg.Done()
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
			if _, err := xproto.GetInputFocus(w.ctl).Reply(); err != nil {
				return
			}
		}
	}
}

// handle checks each 32-byte device event of a batch against the journal.
func (w *Watcher) handle(data []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	for ; len(data) >= 32; data = data[32:] {
		ev, ok := parseEvent(data[:32])
		if ok && !w.journal.explain(ev, now) && (w.ignore == nil || !w.ignore(ev.kind, ev.at)) {
			w.unexplained++
			w.last = now
			select {
			case w.activity <- struct{}{}:
			default:
			}
		}
	}
}

// parseEvent reads a core device event: type, detail (not for a motion),
// and the pointer's root position at bytes 20–23.
func parseEvent(b []byte) (event, bool) {
	var kind Kind
	switch b[0] & 0x7f {
	case xproto.KeyPress:
		kind = KeyDown
	case xproto.KeyRelease:
		kind = KeyUp
	case xproto.ButtonPress:
		kind = ButtonDown
	case xproto.ButtonRelease:
		kind = ButtonUp
	case xproto.MotionNotify:
		kind = Motion
	default:
		return event{}, false
	}
	x, y := int16(binary.LittleEndian.Uint16(b[20:])), int16(binary.LittleEndian.Uint16(b[22:]))
	ev := event{kind: kind, at: image.Pt(int(x), int(y))}
	if kind != Motion {
		ev.detail = uint32(b[1])
	}
	return ev, true
}
