package peer

import (
	"io"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// errClosedPacer is what writing to a closed pacer returns, as pion's.
var errClosedPacer = io.ErrClosedPipe

// pacerIdle is how long the pacer stays after its queue last emptied with
// nothing written since.
const pacerIdle = time.Second

// idlePacer is the pacer GCC drives (a bucketPacer), present only while
// there is something to pace. pion's pacer woke every 5 ms for the whole life of
// the link, sending or not; an agent whose screen is still sends nothing
// for minutes, and those 200 wake-ups a second were most of its idle cost
// (under Wine each costs about 1 ms of CPU). This one makes the pacer at
// the first packet and closes it once everything written has left and
// pacerIdle passed without a new packet; the next packet makes a new one
// with the last target bitrate.
type idlePacer struct {
	initial int // bitrate a pacer starts at before any target is set

	mu      sync.Mutex
	inner   *bucketPacer
	writers map[uint32]interceptor.RTPWriter
	target  int   // last SetTargetBitrate, 0 before
	own     int   // the link's own target (setOwn), which overrides GCC's; 0 before
	gen     int   // which pacer: counts from an old one's last send are dropped
	in, out int64 // packets written to this pacer, and sent on by it
	last    time.Time
	timer   *time.Timer
	closed  bool
}

func newIdlePacer(initial int) *idlePacer {
	return &idlePacer{initial: initial, writers: map[uint32]interceptor.RTPWriter{}}
}

// AddStream implements gcc.Pacer.
func (p *idlePacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writers[ssrc] = w
	if p.inner != nil {
		p.inner.addStream(ssrc, p.counted(p.gen, w))
	}
}

// SetTargetBitrate implements gcc.Pacer. The rate is held to MinBitrate,
// as the encoder's is (Link.TargetBitrate).
func (p *idlePacer) SetTargetBitrate(rate int) {
	rate = max(rate, MinBitrate)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = rate
	if p.inner != nil && p.own == 0 {
		p.inner.setTarget(rate)
	}
}

// setOwn sets the target the link chose (lossSplit) for an exact token
// bucket, which GCC's no longer overrides; 0 goes back to GCC's target and
// pion's leaky bucket.
func (p *idlePacer) setOwn(rate int) {
	if rate != 0 {
		rate = max(rate, MinBitrate)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if rate == p.own {
		return
	}
	p.own = rate
	if p.inner != nil {
		p.applyLocked()
	}
}

// applyLocked sets the inner pacer's rate and kind; p.mu is held.
func (p *idlePacer) applyLocked() {
	switch {
	case p.own != 0:
		p.inner.setTarget(p.own)
	case p.target != 0:
		p.inner.setTarget(p.target)
	}
	p.inner.setExact(p.own != 0)
}

// backlog is how long what the pacer holds will take to leave.
func (p *idlePacer) backlog() time.Duration {
	p.mu.Lock()
	inner := p.inner
	p.mu.Unlock()
	if inner == nil {
		return 0
	}
	return inner.backlog()
}

// Write implements gcc.Pacer: it queues the packet on the pacer, making
// one if there is none.
func (p *idlePacer) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inner == nil && !p.closed {
		p.start()
	}
	if p.inner == nil {
		return 0, errClosedPacer
	}
	n, err := p.inner.write(h, payload, a)
	if err == nil {
		p.in++
		p.last = time.Now()
	}
	return n, err
}

// Close implements gcc.Pacer.
func (p *idlePacer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.stop()
}

// start makes the pacer and arms the idle check; p.mu is held.
func (p *idlePacer) start() {
	p.inner = newBucketPacer(p.initial)
	p.applyLocked()
	p.gen++
	for ssrc, w := range p.writers {
		p.inner.addStream(ssrc, p.counted(p.gen, w))
	}
	p.in, p.out = 0, 0
	p.timer = time.AfterFunc(pacerIdle, p.check)
}

// stop closes the pacer; p.mu is held.
func (p *idlePacer) stop() error {
	if p.inner == nil {
		return nil
	}
	p.timer.Stop()
	p.inner.close()
	p.inner, p.timer = nil, nil
	return nil
}

// check closes the pacer if everything written to it has been sent and
// nothing came for pacerIdle, and looks again later otherwise.
func (p *idlePacer) check() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inner == nil {
		return
	}
	if p.out == p.in && time.Since(p.last) >= pacerIdle {
		_ = p.stop()
		return
	}
	p.timer.Reset(pacerIdle)
}

// counted wraps a stream's writer to count what pacer gen sends on. It
// takes p.mu only to count, after the write, so the pacer's sending never
// waits on a Write.
func (p *idlePacer) counted(gen int, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n, err := w.Write(h, payload, a)
		p.mu.Lock()
		if p.gen == gen {
			p.out++
		}
		p.mu.Unlock()
		return n, err
	})
}
