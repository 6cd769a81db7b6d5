package filexfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultMaxSize   = 4 << 30
	DefaultChunkSize = 64<<10 - dataHeaderLen
)

// maxAsks bounds the offers and requests from the other side handled at
// once (asking the user, or serving a download).
const maxAsks = 16

// Conn is the message channel an Endpoint runs over: reliable, ordered,
// message-preserving, with Send blocking while too much is queued.
// *peer.Channel is one.
type Conn interface {
	Send(ctx context.Context, p []byte) error
	Recv(ctx context.Context) ([]byte, error)
}

// Kind says what a Decide hook is asked about.
type Kind int

const (
	// KindOffer: the other side offers a file to store in Config.Dir.
	KindOffer Kind = iota + 1
	// KindRequest: the other side asks for the file at Ask.Path.
	KindRequest
)

// Ask is what the receiving (or serving) side decides on.
type Ask struct {
	Kind Kind
	ID   uint32 // as in Progress
	// Name is the sanitized file name: offered, or the last element of
	// Path.
	Name string
	// Path is the file a request would read (KindRequest only): absolute,
	// clean, with its symbolic links resolved, and free of ".." and of
	// invisible characters. The file is read from a descriptor opened by
	// this path before asking, so it is the file shown. A path that could
	// not be resolved or opened (missing, a folder, unreadable) is asked
	// about as written, cleaned, and the request fails after the answer:
	// failing at once would tell the other side which files exist.
	Path string
	// OutsideHome is set when Path is not in the user's home folder, and
	// Hidden when it goes through a hidden folder or names a hidden file
	// (a name starting with a dot: where programs keep settings, passwords
	// and keys). KindRequest only.
	OutsideHome, Hidden bool
	// Size is the offered size, or the size of the requested file (-1 if
	// it could not be opened).
	Size int64
	// Resume is how many bytes of this offer an earlier, interrupted
	// transfer left here (KindOffer only).
	Resume int64
}

// Config configures an Endpoint.
type Config struct {
	// Dir is where incoming files land; "" means DefaultDir. It must be a
	// directory, not a symbolic link to one.
	Dir string
	// Home is the folder a requested relative path starts from, and whose
	// files Ask.OutsideHome is unset for; "" means the user's home folder.
	Home string
	// MaxSize is the largest file accepted (DefaultMaxSize if zero);
	// larger offers are refused before anything is written.
	MaxSize int64
	// Decide answers every incoming offer and download request; nil refuses
	// them all. It runs on its own goroutine (a consent dialog may take a
	// while) and must return when ctx is done.
	Decide func(ctx context.Context, a Ask) bool
	// Progress, if set, receives progress of every transfer on this side,
	// at most about every 100 ms per transfer plus the first and last.
	Progress func(Progress)
	// ChunkSize is the payload of one data message (DefaultChunkSize if
	// zero); it must keep messages within the channel's message size.
	ChunkSize int
	// Logger receives the endpoint's logs; nil discards them.
	Logger *slog.Logger
}

// key names a transfer on this side: the ID its starter gave it and
// whether that was this side.
type key struct {
	local bool
	id    uint32
}

// public is the ID shown in Ask, Progress and Result: the wire ID, with the
// top bit set for transfers the other side started.
func (k key) public() uint32 {
	if k.local {
		return k.id
	}
	return k.id | 1<<31
}

// Endpoint sends, serves and receives files over one Conn. Run must be
// running for anything to move; Send and Request may be called
// concurrently from any goroutine.
type Endpoint struct {
	conn Conn
	cfg  Config
	log  *slog.Logger
	next atomic.Uint32
	ran  atomic.Bool
	done chan struct{} // closed when Run returns
	out  *outbox
	asks chan struct{} // one token per offer or request being handled

	mu      sync.Mutex
	closed  bool
	waiters map[key]chan message       // transfers with a goroutine waiting on the other side
	recvs   map[key]*receiving         // files being received; written by Run
	pending map[key]context.CancelFunc // offers from the other side waiting for Decide

	// tamper, if set by a test, may change each data chunk before it is sent.
	tamper func(off int64, p []byte)
}

// New returns an Endpoint on conn. It checks that the destination directory
// is usable now; it is checked again before every file.
func New(conn Conn, cfg Config) (*Endpoint, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := checkDir(cfg.Dir); err != nil {
		return nil, err
	}
	e := &Endpoint{
		conn: conn, cfg: cfg, log: cfg.Logger,
		done:    make(chan struct{}),
		out:     newOutbox(),
		asks:    make(chan struct{}, maxAsks),
		waiters: make(map[key]chan message),
		recvs:   make(map[key]*receiving),
		pending: make(map[key]context.CancelFunc),
	}
	return e, nil
}

func (c *Config) fill() error {
	if c.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return err
		}
		// A fresh account may have no download folder yet.
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create the downloads folder: %w", err)
		}
		c.Dir = d
	}
	c.Home = homeDir(c.Home)
	if c.MaxSize <= 0 {
		c.MaxSize = DefaultMaxSize
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = DefaultChunkSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Run reads and handles messages until the Conn fails or ctx is done. It
// waits for the goroutines it started (decisions, served downloads) before
// returning; files still being received are closed and kept for a resume.
func (e *Endpoint) Run(ctx context.Context) error {
	if !e.ran.CompareAndSwap(false, true) {
		return errors.New("filexfer: Run called twice on one Endpoint")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		e.shutdown()
		wg.Wait()
		e.closeRecvs()
	}()
	e.spawn(&wg, func() { e.out.run(ctx, e) })
	for {
		p, err := e.conn.Recv(ctx)
		if err != nil {
			return fmt.Errorf("file transfer: %w", err)
		}
		m, err := decodeMessage(p)
		if err != nil {
			e.log.Warn("bad file message", "err", err)
			continue
		}
		e.handle(ctx, &wg, m)
	}
}

// Done is closed when Run has returned.
func (e *Endpoint) Done() <-chan struct{} { return e.done }

func (e *Endpoint) handle(ctx context.Context, wg *sync.WaitGroup, m message) {
	k := key{local: !m.Mine, id: m.ID}
	switch {
	case m.Type == msgData:
		e.receive(k, m)
	case m.Type == msgOffer && !k.local:
		// Registered here, in Run's order, so that an abort right behind
		// the offer finds it.
		ask, stop := e.pendingOffer(ctx, k)
		if !e.spawnAsk(wg, k, func() {
			defer stop()
			e.decideOffer(ctx, ask, k, m)
		}) {
			stop()
		}
	case m.Type == msgRequest && !k.local:
		e.spawnAsk(wg, k, func() { e.serve(ctx, k, m.Text) })
	case m.Type == msgAbort:
		e.withdrawOffer(k)
		e.dropRecv(k, remoteErr(m), true)
		e.deliver(k, m)
	default: // answers to this side's offers and requests
		if !e.deliver(k, m) && m.Type == msgAccept {
			// Nobody sends this any more (canceled): let the receiver drop it.
			e.out.post(abortMsg(msgAbort, k, ErrCanceled))
		}
	}
}

// spawnAsk runs f, which handles one offer or request from the other side,
// unless maxAsks are being handled already: a peer flooding offers gets
// ErrBusy rather than a pile of consent dialogs (and false).
func (e *Endpoint) spawnAsk(wg *sync.WaitGroup, k key, f func()) bool {
	select {
	case e.asks <- struct{}{}:
	default:
		e.out.post(abortMsg(msgRefuse, k, ErrBusy))
		return false
	}
	e.spawn(wg, func() {
		defer func() { <-e.asks }()
		f()
	})
	return true
}

// pendingOffer returns the context Decide is asked under for the other
// side's offer k: canceled when the other side withdraws the offer
// (withdrawOffer), so that the question put to the user goes away with
// it. stop forgets k.
func (e *Endpoint) pendingOffer(ctx context.Context, k key) (ask context.Context, stop func()) {
	ask, cancel := context.WithCancel(ctx)
	e.mu.Lock()
	e.pending[k] = cancel
	e.mu.Unlock()
	return ask, func() {
		e.mu.Lock()
		delete(e.pending, k)
		e.mu.Unlock()
		cancel()
	}
}

// withdrawOffer cancels the question about the other side's offer k, if
// one is still asked (the other side aborted it).
func (e *Endpoint) withdrawOffer(k key) {
	e.mu.Lock()
	cancel := e.pending[k]
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (e *Endpoint) spawn(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
}

func (e *Endpoint) shutdown() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	close(e.done)
}

// closeRecvs closes every file still being received, keeping it for a
// resume.
func (e *Endpoint) closeRecvs() {
	e.mu.Lock()
	recvs := e.recvs
	e.recvs = map[key]*receiving{}
	e.mu.Unlock()
	for _, r := range recvs {
		r.keep()
		e.release(r)
	}
}

// newKey numbers a transfer this side starts.
func (e *Endpoint) newKey() key {
	return key{local: true, id: e.next.Add(1) &^ (1 << 31)}
}

// wait registers a mailbox for k's messages; the returned func removes it.
func (e *Endpoint) wait(k key) (<-chan message, func()) {
	ch := make(chan message, 4)
	e.mu.Lock()
	e.waiters[k] = ch
	e.mu.Unlock()
	return ch, func() {
		e.mu.Lock()
		delete(e.waiters, k)
		e.mu.Unlock()
	}
}

// deliver hands m to k's waiter, if any. It never blocks Run: a waiter
// gets at most a few messages and its mailbox has room for them.
func (e *Endpoint) deliver(k key, m message) bool {
	e.mu.Lock()
	ch, ok := e.waiters[k]
	e.mu.Unlock()
	if !ok {
		return false
	}
	select {
	case ch <- m:
	default:
		e.log.Warn("file transfer mailbox full", "id", k.public(), "type", m.Type)
	}
	return true
}

// send encodes and sends one control message.
func (e *Endpoint) send(ctx context.Context, m *message) error {
	if err := e.conn.Send(ctx, appendMessage(nil, m)); err != nil {
		return fmt.Errorf("send file message: %w", err)
	}
	return nil
}
