package input

import (
	"testing"

	"github.com/jezek/xgb/xproto"
)

// testKeymap is a small keyboard with keycodes 10 to 16, four keysyms each
// beyond the two AltGr columns (seven per keycode, as servers send).
func testKeymap() *keymap {
	rows := [][]uint32{
		10: {'a', 'A', 'a', 'A'},
		11: {'1', '!', '1', '!'},
		12: {'e', 'E', 'e', 'E', 0x20ac, 0xa2}, // AltGr+e is €, AltGr+Shift+e is ¢
		13: {ksTab, 0xfe20},                    // Tab, ISO_Left_Tab
		14: {'z'},                              // uppercase implied
		15: {},                                 // empty: a spare
		16: {ksShiftL},
	}
	const per = 7
	syms := make([]xproto.Keysym, 0, 7*per)
	for _, r := range rows[10:] {
		row := make([]xproto.Keysym, per)
		for i, ks := range r {
			row[i] = xproto.Keysym(ks)
		}
		syms = append(syms, row...)
	}
	return newKeymap(10, 16, per, syms)
}

func TestKeymapLookup(t *testing.T) {
	m := testKeymap()
	tests := []struct {
		name   string
		ks     uint32
		want   keyPos
		wantOK bool
	}{
		{"plain letter", 'a', keyPos{10, 0}, true},
		{"capital", 'A', keyPos{10, levelShift}, true},
		{"shifted digit", '!', keyPos{11, levelShift}, true},
		{"altgr", 0x20ac, keyPos{12, levelAltGr}, true},
		{"altgr shift", 0xa2, keyPos{12, levelAltGr | levelShift}, true},
		{"function key ignores shift", ksTab, keyPos{13, levelAny}, true},
		{"implied capital", 'Z', keyPos{14, levelShift}, true},
		{"modifier", ksShiftL, keyPos{16, levelAny}, true},
		{"absent", 0x01000416, keyPos{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := m.lookup(tc.ks)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("lookup(%#x) = %+v, %v; want %+v, %v", tc.ks, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestSparePool(t *testing.T) {
	m := testKeymap()
	p := newSparePool(m)
	if len(p.keys) != 1 || p.keys[0].code != 15 {
		t.Fatalf("spares = %+v, want keycode 15 only", p.keys)
	}
	never := func(xproto.Keycode) bool { return false }
	if i, err := p.pick(never); err != nil || i != 0 {
		t.Fatalf("pick = %d, %v", i, err)
	}
	if _, err := p.pick(func(xproto.Keycode) bool { return true }); err == nil {
		t.Fatal("picked a spare that is held down")
	}
	// Someone else maps the spare: the pool lets go of it.
	m.syms[(15-10)*m.per] = 'q'
	p.prune(m)
	if len(p.keys) != 0 {
		t.Fatalf("spares after another client mapped keycode 15: %+v", p.keys)
	}
}
