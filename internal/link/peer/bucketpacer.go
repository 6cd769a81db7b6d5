package peer

import (
	"maps"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Pacing: the queue drains at pacingFactor times the target (an encoder's
// burst, a keyframe, leaves a little faster than the average rate),
// checked every pacingTick, with at most pacingBurst of the target's
// time saved up while idle.
const (
	pacingFactor = 1.5
	pacingTick   = 5 * time.Millisecond
	pacingBurst  = 20 * time.Millisecond
)

// bucketPacer sends the packets written to it at the target rate, in one
// of two ways. Exact (policed mode, see lossSplit), a token bucket whose
// debt carries over. Otherwise as pion's LeakyBucketPacer, which it
// replaces: each send starts with a fresh budget of the rate times the
// time since a packet last left and sends while it is above zero, so at
// least a packet a tick (about 1.8 Mbit/s whatever the target) and a
// frame after a pause at once. That floor is headroom the picture lives
// on under heavy random loss, where GCC's target falls to a few hundred
// kbit/s (an exact pacer there froze the picture for seconds at 20 %
// loss with 50 ms); on a path policed to 1 Mbit/s it alone kept the
// policer dropping, and the picture froze for good.
type bucketPacer struct {
	mu      sync.Mutex
	queue   []*paced
	writers map[uint32]interceptor.RTPWriter
	rate    float64 // bytes a second
	tokens  float64 // bytes; below zero while in debt
	queued  int     // bytes waiting
	last    time.Time
	exact   bool      // a token bucket; else pion's leaky bucket (see send)
	lastOut time.Time // when a packet last left, for the leaky bucket
	kick    chan struct{}
	done    chan struct{}
	closed  bool
}

type paced struct {
	header  rtp.Header
	payload []byte
	attrs   interceptor.Attributes
}

func newBucketPacer(bitrate int) *bucketPacer {
	p := &bucketPacer{writers: map[uint32]interceptor.RTPWriter{}, kick: make(chan struct{}, 1),
		done: make(chan struct{}), last: time.Now()}
	p.setTarget(bitrate)
	go p.run()
	return p
}

func (p *bucketPacer) setTarget(bitrate int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = pacingFactor * float64(bitrate) / 8
}

func (p *bucketPacer) addStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writers[ssrc] = w
}

// queuedIdleKey marks, in a packet's attributes as the pacer sends it on,
// a packet that found the pacer's queue empty (lossSplit's leads).
type queuedIdleKey struct{}

// write queues a copy of the packet.
func (p *bucketPacer) write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	q := &paced{header: h.Clone(), payload: append([]byte(nil), payload...), attrs: maps.Clone(a)}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, errClosedPacer
	}
	if len(p.queue) == 0 {
		if q.attrs == nil {
			q.attrs = interceptor.Attributes{}
		}
		q.attrs[queuedIdleKey{}] = true
	}
	p.queue = append(p.queue, q)
	p.queued += len(q.payload)
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return h.MarshalSize() + len(payload), nil
}

// run sends what the tokens allow every tick while packets wait, and
// sleeps until the next write otherwise.
func (p *bucketPacer) run() {
	tick := time.NewTicker(pacingTick)
	defer tick.Stop()
	for {
		p.mu.Lock()
		empty := len(p.queue) == 0
		p.mu.Unlock()
		if empty {
			select {
			case <-p.kick:
			case <-p.done:
				return
			}
		} else {
			select {
			case <-tick.C:
			case <-p.done:
				return
			}
		}
		p.send(time.Now())
	}
}

// setExact chooses the token bucket (true) or pion's leaky bucket.
func (p *bucketPacer) setExact(exact bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exact = exact
}

// send writes queued packets while there are tokens. The exact bucket
// carries debt and saves up pacingBurst at most; pion's leaky bucket
// starts each send with the rate times the time since a packet last left,
// no debt and no cap, so it sends a packet at least each tick and a frame
// after a pause at once.
func (p *bucketPacer) send(now time.Time) {
	p.mu.Lock()
	if p.exact {
		p.tokens = min(p.tokens+now.Sub(p.last).Seconds()*p.rate, max(p.rate*pacingBurst.Seconds(), 2*1200))
	} else {
		if p.lastOut.IsZero() {
			p.lastOut = p.last
		}
		p.tokens = now.Sub(p.lastOut).Seconds() * p.rate
	}
	p.last = now
	if len(p.queue) > 0 && p.tokens > 0 {
		p.lastOut = now
	}
	for len(p.queue) > 0 && p.tokens > 0 {
		q := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		w := p.writers[q.header.SSRC]
		p.tokens -= float64(q.header.MarshalSize() + len(q.payload))
		p.queued -= len(q.payload)
		p.mu.Unlock()
		if w != nil {
			_, _ = w.Write(&q.header, q.payload, q.attrs) // a lost packet is the receiver's to ask for
		}
		p.mu.Lock()
	}
	p.mu.Unlock()
}

// backlog is how long what waits will take to leave.
func (p *bucketPacer) backlog() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate <= 0 {
		return 0
	}
	return time.Duration(float64(p.queued) / p.rate * float64(time.Second))
}

// close stops the pacer; what is still queued is dropped.
func (p *bucketPacer) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.queue = nil
	p.mu.Unlock()
	close(p.done)
}
