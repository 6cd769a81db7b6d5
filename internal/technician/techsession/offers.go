package techsession

import (
	"context"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// DefaultOfferTimeout is how long a file the customer offers waits for the
// technician's answer before it is declined, so that an offer nobody sees
// (a window minimized, a script without -accept-files) does not hang the
// customer's transfer.
const DefaultOfferTimeout = 2 * time.Minute

// Why an offer from the customer was answered as it was (OfferEndEvent).
const (
	OfferAccepted = "accepted" // the technician accepted: the file comes in
	OfferDeclined = "declined" // the technician declined
	OfferTimedOut = "timeout"  // nobody answered within the offer timeout
	OfferEnded    = "ended"    // the session or the transfer ended first
)

type (
	// OfferEvent is a file the customer offers on their own: answer it
	// with Session.AnswerOffer (by ID) within the offer timeout, or it is
	// declined. An accepted file comes in as TransferEvents (Incoming)
	// and lands in Files.Dir under its sanitized name, its SHA-256
	// checked.
	OfferEvent struct {
		ID   uint32
		Name string // sanitized: a plain file name
		Size int64
		// Resume is how many bytes an earlier, cut transfer of this file
		// left in Files.Dir (they are not sent again).
		Resume int64
	}
	// OfferEndEvent says how an offer was answered: Outcome is one of
	// OfferAccepted, OfferDeclined, OfferTimedOut, OfferEnded.
	OfferEndEvent struct {
		ID      uint32
		Name    string
		Outcome string
	}
)

func (OfferEvent) techEvent()    {}
func (OfferEndEvent) techEvent() {}

// offerBook holds the customer's offers waiting for the technician's
// answer, by ID; the handle answers them, the file endpoint waits.
type offerBook struct {
	mu      sync.Mutex
	waiting map[uint32]chan bool // buffered: one answer
}

func newOfferBook() *offerBook { return &offerBook{waiting: map[uint32]chan bool{}} }

// open registers offer id; the returned func forgets it.
func (b *offerBook) open(id uint32) (<-chan bool, func()) {
	ch := make(chan bool, 1)
	b.mu.Lock()
	b.waiting[id] = ch
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.waiting, id)
		b.mu.Unlock()
	}
}

// answer answers offer id; false if no such offer waits (answered,
// timed out, or never made).
func (b *offerBook) answer(id uint32, accept bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch, ok := b.waiting[id]
	if ok {
		delete(b.waiting, id)
		ch <- accept
	}
	return ok
}

// decide is the technician's filexfer.Config.Decide: an offer from the
// customer is put to the technician (OfferEvent) and waits for their
// answer, at most the offer timeout; a request for one of the
// technician's files is refused (the technician's computer serves none).
func (v *techView) decide(ctx context.Context, a filexfer.Ask) bool {
	if a.Kind != filexfer.KindOffer {
		return false
	}
	answered, forget := v.req.offers.open(a.ID)
	defer forget()
	v.r.Report().Offer(a.ID, a.Name, a.Size)
	v.emit(OfferEvent{ID: a.ID, Name: a.Name, Size: a.Size, Resume: a.Resume})
	outcome := v.awaitOffer(ctx, answered)
	v.log.Info("file offer answered", "id", a.ID, "size", a.Size, "outcome", outcome)
	v.r.Report().OfferEnd(a.ID, a.Name, outcome)
	v.emit(OfferEndEvent{ID: a.ID, Name: a.Name, Outcome: outcome})
	return outcome == OfferAccepted
}

// awaitOffer waits for the answer to one offer and says what it was.
func (v *techView) awaitOffer(ctx context.Context, answered <-chan bool) string {
	timeout := v.cfg.OfferTimeout
	if timeout <= 0 {
		timeout = DefaultOfferTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ok := <-answered:
		if ok {
			return OfferAccepted
		}
		return OfferDeclined
	case <-t.C:
		return OfferTimedOut
	case <-ctx.Done():
		return OfferEnded
	}
}
