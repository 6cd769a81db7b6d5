package peer

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// heldResend stands for pion's hold on a retransmission (resendOwner).
type heldResend struct{}

func (heldResend) Retain()      {}
func (heldResend) Release(bool) {}

// TestResendBudget: retransmissions pass while within resendShare of the
// target (resendBurst of it at once), new packets always; a refused
// retransmission is an error the responder sees (it resends at a later
// NACK); with no target (outside policed mode) all pass.
func TestResendBudget(t *testing.T) {
	b := &resendBudget{target: func() int { return 1_000_000 }}
	sent := 0
	w := b.BindLocalStream(nil, interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
		sent++
		return len(p), nil
	}))
	resend := interceptor.Attributes{"resend": heldResend{}}
	burst := 0
	for range 100 {
		if _, err := w.Write(&rtp.Header{}, make([]byte, 988), resend); err == nil {
			burst++
		}
	}
	// 0.5 x 1 Mbit/s = 62.5 KB/s; 100 ms of it is 6250 bytes: 7 packets
	// of 1000 bytes (the last one into debt).
	if burst != 7 {
		t.Errorf("%d retransmissions passed at once, want 7", burst)
	}
	for range 100 {
		if _, err := w.Write(&rtp.Header{}, make([]byte, 988), nil); err != nil {
			t.Fatalf("a new packet refused: %v", err)
		}
	}
	if sent != burst+100 {
		t.Errorf("%d packets written, want %d", sent, burst+100)
	}
	b.last = b.last.Add(-time.Second) // a second later: 62.5 KB more, capped at 6250
	more := 0
	for range 100 {
		if _, err := w.Write(&rtp.Header{}, make([]byte, 988), resend); err == nil {
			more++
		}
	}
	if more < 5 || more > 7 {
		t.Errorf("%d retransmissions a second later, want the burst again (5-7)", more)
	}
	b.target = func() int { return 0 }
	for i := range 100 {
		if _, err := w.Write(&rtp.Header{}, make([]byte, 988), resend); err != nil {
			t.Fatalf("retransmission %d refused with no budget: %v", i, err)
		}
	}
}
