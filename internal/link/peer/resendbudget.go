package peer

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// Retransmissions: pion's NACK responder resends what each NACK names at
// once, below the pacer. On a policed path (a token bucket with no queue,
// as a throttled mobile plan has) the retransmissions of what the
// policer dropped made it drop more, and the picture froze for good
// (namespace lab, 1 Mbit/s). Paced instead, even ahead of the queue, they
// came too late at 20 % random loss and the frames decoded halved. So
// they stay unpaced, and in policed mode (lossSplit) within a budget of
// their own: resendShare of the budget's target, with resendBurst of it
// saved up at most. A retransmission over the budget is not sent; the
// responder sends it at a later NACK. Outside policed mode the target is
// 0: no budget.
const (
	resendShare = 0.5
	resendBurst = 100 * time.Millisecond
)

var errResendBudget = errors.New("peer: retransmission over budget")

// resendBudgetFactory makes the interceptor that holds a sender's
// retransmissions to the budget; target is the video's bitrate target.
type resendBudgetFactory struct{ target func() int }

func (f *resendBudgetFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &resendBudget{target: f.target}, nil
}

type resendBudget struct {
	interceptor.NoOp
	target func() int

	mu     sync.Mutex
	tokens float64 // bytes
	last   time.Time
}

// BindLocalStream passes packets on, retransmissions (pion's responder
// marks them with its resend hold) while the budget lasts.
func (b *resendBudget) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if isResend(a) && !b.allow(time.Now(), h.MarshalSize()+len(payload)) {
			return 0, errResendBudget
		}
		return w.Write(h, payload, a)
	})
}

func (b *resendBudget) allow(now time.Time, size int) bool {
	target := b.target()
	if target == 0 {
		b.mu.Lock()
		b.last = time.Time{}
		b.mu.Unlock()
		return true
	}
	rate := resendShare * float64(target) / 8 // bytes a second
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.tokens = rate * resendBurst.Seconds()
	} else {
		b.tokens = min(b.tokens+now.Sub(b.last).Seconds()*rate, rate*resendBurst.Seconds())
	}
	b.last = now
	if b.tokens < 0 {
		return false
	}
	b.tokens -= float64(size)
	return true
}

// resendOwner is what pion's NACK responder attaches to a retransmission
// (rtpbuffer.Resend, internal to pion): its hold on the packet.
type resendOwner interface {
	Retain()
	Release(sent bool)
}

// isResend reports whether a packet's attributes carry pion's resend hold.
func isResend(a interceptor.Attributes) bool {
	for _, v := range a {
		if _, ok := v.(resendOwner); ok {
			return true
		}
	}
	return false
}
