package localinput

import (
	"image"
	"testing"
	"time"
)

func TestJournal(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	key := func(k Kind, code uint32) event { return event{kind: k, detail: code} }
	move := func(x, y int) event { return event{kind: Motion, at: image.Pt(x, y)} }
	type step struct {
		at       int   // milliseconds
		inject   bool  // the agent's injection, else an event seen
		ev       event //
		explains bool  // for a seen event: whether the journal accounts for it
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"injected key is explained", []step{
			{0, true, key(KeyDown, 38), false}, {2, false, key(KeyDown, 38), true}}},
		{"entry explains one event only", []step{
			{0, true, key(ButtonDown, 1), false}, {1, false, key(ButtonDown, 1), true}, {2, false, key(ButtonDown, 1), false}}},
		{"other keycode is local", []step{
			{0, true, key(KeyDown, 38), false}, {1, false, key(KeyDown, 39), false}}},
		{"other kind is local", []step{
			{0, true, key(KeyUp, 38), false}, {1, false, key(KeyDown, 38), false}}},
		{"button number matters", []step{
			{0, true, key(ButtonDown, 1), false}, {1, false, key(ButtonDown, 3), false}}},
		{"nothing injected is local", []step{
			{0, false, key(KeyDown, 38), false}, {1, false, move(3, 4), false}}},
		{"entry expires", []step{
			{0, true, key(ButtonUp, 2), false}, {501, false, key(ButtonUp, 2), false}}},
		{"entry just in time", []step{
			{0, true, key(ButtonUp, 2), false}, {500, false, key(ButtonUp, 2), true}}},
		{"out of order keys", []step{
			{0, true, key(KeyDown, 10), false}, {0, true, key(KeyDown, 11), false},
			{1, false, key(KeyDown, 11), true}, {1, false, key(KeyDown, 10), true}}},
		{"motion to the injected point", []step{
			{0, true, move(10, 20), false}, {1, false, move(10, 20), true}}},
		{"motion elsewhere is local", []step{
			{0, true, move(10, 20), false}, {1, false, move(11, 20), false}}},
		{"merged motions cross off earlier ones", []step{
			{0, true, move(1, 1), false}, {0, true, move(2, 2), false}, {0, true, move(3, 3), false},
			{1, false, move(3, 3), true}, {2, false, move(1, 1), false}}},
		{"later motions stay pending", []step{
			{0, true, move(1, 1), false}, {0, true, move(2, 2), false},
			{1, false, move(1, 1), true}, {2, false, move(2, 2), true}}},
		{"motion entry does not explain a button", []step{
			{0, true, move(1, 1), false}, {1, false, key(ButtonDown, 1), false}}},
		{"auto-repeat of a held key", []step{
			{0, true, key(KeyDown, 50), false}, {1, false, key(KeyDown, 50), true},
			{900, false, key(KeyUp, 50), true}, {900, false, key(KeyDown, 50), true},
			{950, true, key(KeyUp, 50), false}, {951, false, key(KeyUp, 50), true},
			{2000, false, key(KeyDown, 50), false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJournal(journalTTL)
			for i, s := range tc.steps {
				if s.inject {
					j.add(s.ev, ms(s.at))
					continue
				}
				if got := j.explain(s.ev, ms(s.at)); got != s.explains {
					t.Errorf("step %d: %v %d %v at %d ms: explained %v, want %v", i, s.ev.kind, s.ev.detail, s.ev.at, s.at, got, s.explains)
				}
			}
		})
	}
}
