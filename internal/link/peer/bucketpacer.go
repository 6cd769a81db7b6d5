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

// bucketPacer sends the packets written to it at the target rate: a token
// bucket whose debt carries over. pion's LeakyBucketPacer, which it
// replaces, starts every 5 ms tick with a fresh budget and sends a packet
// whenever the budget is above zero, so it sends at least one packet a
// tick, about 1.8 Mbit/s, whatever the target: on a path policed to 1
// Mbit/s (the namespace lab's tc token bucket) that alone kept the
// policer dropping, and the picture froze for good.
type bucketPacer struct {
	mu      sync.Mutex
	queue   []*paced
	writers map[uint32]interceptor.RTPWriter
	rate    float64 // bytes a second
	tokens  float64 // bytes; below zero while in debt
	queued  int     // bytes waiting
	last    time.Time
	kick    chan struct{}
	done    chan struct{}
	closed  bool
}

type paced struct {
	header  rtp.Header
	payload []byte
	attrs   interceptor.Attributes
	resend  resendOwner // pion's NACK responder's hold on a retransmission, or nil
}

// resendOwner is what pion's NACK responder attaches to a retransmission
// (rtpbuffer.Resend, internal to pion): a pacer holding the packet
// retains it, and releases it once sent, so that the responder neither
// sends it twice meanwhile nor forgets it.
type resendOwner interface {
	Retain()
	Release(sent bool)
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

// write queues a copy of the packet.
func (p *bucketPacer) write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	q := &paced{header: h.Clone(), payload: append([]byte(nil), payload...), attrs: maps.Clone(a)}
	for _, v := range a {
		if r, ok := v.(resendOwner); ok {
			q.resend = r
			r.Retain()
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		if q.resend != nil {
			q.resend.Release(false)
		}
		return 0, errClosedPacer
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

// send writes queued packets while there are tokens.
func (p *bucketPacer) send(now time.Time) {
	p.mu.Lock()
	p.tokens = min(p.tokens+now.Sub(p.last).Seconds()*p.rate, max(p.rate*pacingBurst.Seconds(), 2*1200))
	p.last = now
	for len(p.queue) > 0 && p.tokens > 0 {
		q := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		w := p.writers[q.header.SSRC]
		p.tokens -= float64(q.header.MarshalSize() + len(q.payload))
		p.queued -= len(q.payload)
		p.mu.Unlock()
		var err error
		if w != nil {
			_, err = w.Write(&q.header, q.payload, q.attrs)
		}
		if q.resend != nil {
			q.resend.Release(w != nil && err == nil)
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
	queue := p.queue
	p.queue = nil
	p.mu.Unlock()
	close(p.done)
	for _, q := range queue {
		if q.resend != nil {
			q.resend.Release(false)
		}
	}
}
