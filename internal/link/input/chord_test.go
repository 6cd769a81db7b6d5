package input

import (
	"slices"
	"testing"
)

// TestChord: a chord presses its keys in order and releases them in the
// reverse order; a name that is no key is refused, not sent as key 0.
func TestChord(t *testing.T) {
	evs, err := Chord("ControlLeft", "AltLeft", "Delete")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		dir := "down"
		if ev.Type == KeyUp {
			dir = "up"
		}
		got = append(got, dir+" "+ev.Code.String())
	}
	want := []string{"down ControlLeft", "down AltLeft", "down Delete", "up Delete", "up AltLeft", "up ControlLeft"}
	if !slices.Equal(got, want) {
		t.Errorf("Chord = %q, want %q", got, want)
	}
	if _, err := Chord("ControlLeft", "Ctrl"); err == nil {
		t.Error("Chord with the unknown key Ctrl: no error")
	}
}
