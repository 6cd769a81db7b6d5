package input

import (
	"slices"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// TestRestoreSparesAfterKill: an injector that types characters the
// keyboard lacks reports, before each remap, what RestoreSpares needs; when
// its connection is gone without Close (the agent killed), RestoreSpares
// from another process empties the spares it remapped, and leaves alone
// one that another program has remapped since.
func TestRestoreSparesAfterKill(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	other := dial(t, display)
	before := keyboard(t, other)

	var states [][]byte
	x, err := NewX11(Options{Display: display, Remapped: func(b []byte) { states = append(states, b) }})
	if err != nil {
		t.Fatalf("NewX11: %v", err)
	}
	inject(t, x, Event{Type: Text, Text: "Ж€"})
	if len(states) != 2 {
		t.Fatalf("Remapped called %d times for two characters on spare keys, want 2", len(states))
	}
	zhe, euro := keycodeOf(t, other, RuneKeysym('Ж')), keycodeOf(t, other, RuneKeysym('€'))
	// The agent is killed: its connection closes, nothing is restored.
	x.conn.Close()
	<-x.loop
	x.Close()

	// Meanwhile the customer's own tool put Ω on the € key.
	omega := RuneKeysym('Ω')
	syms := make([]xproto.Keysym, before.per)
	syms[0] = xproto.Keysym(omega)
	if err := xproto.ChangeKeyboardMappingChecked(other, 1, xproto.Keycode(euro), byte(before.per), syms).Check(); err != nil {
		t.Fatal(err)
	}
	if err := RestoreSpares(states[len(states)-1]); err != nil {
		t.Fatalf("RestoreSpares: %v", err)
	}
	after := keyboard(t, other)
	if !after.empty(xproto.Keycode(zhe)) {
		t.Errorf("keycode %d still types %#x after RestoreSpares, want it empty as before", zhe, after.sym(xproto.Keycode(zhe), 0))
	}
	if got := after.sym(xproto.Keycode(euro), 0); got != omega {
		t.Errorf("keycode %d types %#x, want the customer's Ω (%#x) left alone", euro, got, omega)
	}
	for code := int(before.min); code <= int(before.max); code++ {
		if code == euro {
			continue
		}
		i := (code - int(before.min)) * before.per
		b, a := before.syms[i:i+before.per], after.syms[i:i+before.per]
		if !slices.Equal(a, b) {
			t.Errorf("keycode %d maps %v after RestoreSpares, %v before the injector", code, a, b)
		}
	}
}

// TestSparesStateIncludesComingRemap: the state is given before the server
// is asked, so it names the keysym on its way as well as the one in place.
func TestSparesStateIncludesComingRemap(t *testing.T) {
	p := sparePool{keys: []spare{{code: 200, keysym: 0x1000416}, {code: 201}, {code: 202, keysym: 0x10020ac}}}
	got := p.pending(0, 0x1000424)
	want := []spareKey{{Code: 200, Keysyms: []uint32{0x1000416, 0x1000424}}, {Code: 202, Keysyms: []uint32{0x10020ac}}}
	if !slices.EqualFunc(got, want, func(a, b spareKey) bool { return a.Code == b.Code && slices.Equal(a.Keysyms, b.Keysyms) }) {
		t.Errorf("pending = %v, want %v", got, want)
	}
	if got := p.pending(1, 0x1000424); len(got) != 3 || got[1].Code != 201 {
		t.Errorf("pending for an empty spare = %v, want it listed with its coming keysym", got)
	}
}

// keyboard reads the server's keyboard map.
func keyboard(t *testing.T, c *xgb.Conn) *keymap {
	t.Helper()
	m, err := loadKeymap(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCloseLeavesSpareRemappedByOthers: Close empties the spares the
// injector remapped, but not one another program has remapped since.
func TestCloseLeavesSpareRemappedByOthers(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	other := dial(t, display)
	x, err := NewX11(Options{Display: display})
	if err != nil {
		t.Fatalf("NewX11: %v", err)
	}
	inject(t, x, Event{Type: Text, Text: "Ж€"})
	zhe, euro := keycodeOf(t, other, RuneKeysym('Ж')), keycodeOf(t, other, RuneKeysym('€'))
	per := keyboard(t, other).per
	omega := RuneKeysym('Ω')
	syms := make([]xproto.Keysym, per)
	syms[0] = xproto.Keysym(omega)
	if err := xproto.ChangeKeyboardMappingChecked(other, 1, xproto.Keycode(euro), byte(per), syms).Check(); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	after := keyboard(t, other)
	if got := after.sym(xproto.Keycode(euro), 0); got != omega {
		t.Errorf("keycode %d types %#x after Close, want the other program's Ω (%#x)", euro, got, omega)
	}
	if !after.empty(xproto.Keycode(zhe)) {
		t.Errorf("keycode %d still types %#x after Close, want it empty", zhe, after.sym(xproto.Keycode(zhe), 0))
	}
}
