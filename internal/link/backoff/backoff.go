// Package backoff paces the redials of a client whose server went away:
// waits doubling from a first to a maximum, each drawn at random around
// its value so that the clients a dead node dropped do not all come back
// in the same instant.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Redial is the pace every Tandem client uses to reach signaling again:
// 250 ms doubling to 5 s.
func Redial() *Backoff { return New(250*time.Millisecond, 5*time.Second) }

// Backoff is one sequence of waits; it is not safe for concurrent use.
type Backoff struct {
	max  time.Duration
	next time.Duration
}

// New starts a sequence at first, doubling up to max.
func New(first, max time.Duration) *Backoff {
	return &Backoff{max: max, next: first}
}

// Next returns the next wait, drawn in [w/2, 3w/2) around the sequence's
// current value w, and doubles w up to the maximum.
func (b *Backoff) Next() time.Duration {
	w := b.next
	b.next = min(2*b.next, b.max)
	return w/2 + rand.N(w)
}
