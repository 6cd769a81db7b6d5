package localinput

import (
	"image"
	"time"
)

// Kind is the type of an input event.
type Kind uint8

// Kinds of input events, as the X server reports them.
const (
	KeyDown    Kind = iota + 1 // detail: X keycode
	KeyUp                      // detail: X keycode
	ButtonDown                 // detail: X button number
	ButtonUp                   // detail: X button number
	Motion                     // at: the pointer's new position in root coordinates
)

func (k Kind) String() string {
	switch k {
	case KeyDown:
		return "key-down"
	case KeyUp:
		return "key-up"
	case ButtonDown:
		return "button-down"
	case ButtonUp:
		return "button-up"
	case Motion:
		return "motion"
	}
	return "unknown"
}

// journalTTL is how long an injection waits to be seen. The server reports
// an injected event within milliseconds; an entry older than this is for
// an event that never came (a motion to where the pointer already was).
const journalTTL = 500 * time.Millisecond

// event is one input event, injected or seen.
type event struct {
	kind   Kind
	detail uint32
	at     image.Point
}

type entry struct {
	event
	when time.Time
}

// journal lists what the agent injected and has not been seen yet.
type journal struct {
	ttl     time.Duration
	pending []entry
	held    map[uint32]bool // keycodes the agent holds down
}

func newJournal(ttl time.Duration) *journal {
	return &journal{ttl: ttl, held: make(map[uint32]bool)}
}

// add records an injection made at now.
func (j *journal) add(ev event, now time.Time) {
	j.expire(now)
	switch ev.kind {
	case KeyDown:
		j.held[ev.detail] = true
	case KeyUp:
		delete(j.held, ev.detail)
	}
	j.pending = append(j.pending, entry{ev, now})
}

// explain reports whether ev, seen at now, is one the agent injected, and
// crosses off the entries it accounts for.
func (j *journal) explain(ev event, now time.Time) bool {
	j.expire(now)
	for i, e := range j.pending {
		if e.kind != ev.kind {
			continue
		}
		switch {
		case ev.kind == Motion && e.at == ev.at:
			j.dropMotionsThrough(i)
			return true
		case ev.kind != Motion && e.detail == ev.detail:
			j.pending = append(j.pending[:i], j.pending[i+1:]...)
			return true
		}
	}
	// Auto-repeat of a key the agent holds down.
	return (ev.kind == KeyDown || ev.kind == KeyUp) && j.held[ev.detail]
}

// dropMotionsThrough removes pending motion i and every motion before it:
// the server reports the pointer's latest position, merging earlier ones.
func (j *journal) dropMotionsThrough(i int) {
	n := 0
	for k, e := range j.pending {
		if k <= i && e.kind == Motion {
			continue
		}
		j.pending[n] = e
		n++
	}
	j.pending = j.pending[:n]
}

// expire drops entries older than the ttl.
func (j *journal) expire(now time.Time) {
	n := 0
	for _, e := range j.pending {
		if now.Sub(e.when) <= j.ttl {
			j.pending[n] = e
			n++
		}
	}
	j.pending = j.pending[:n]
}
