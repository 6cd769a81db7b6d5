package input

import (
	"fmt"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// level is the set of modifiers that selects a keysym on its key.
type level uint8

const (
	levelShift level = 1 << iota // Shift
	levelAltGr                   // ISO_Level3_Shift (AltGr)

	// levelAny marks a key that types its keysym whatever Shift and AltGr
	// say: function keys, and spare keys remapped to one keysym.
	levelAny level = 0xff
)

// levelColumns gives the core keyboard map's column for each level: the
// first group's two levels are columns 0 and 1, and XKB puts the first
// group's third and fourth levels (AltGr) in columns 4 and 5.
var levelColumns = [4]int{0, 1, 4, 5}

// keyPos is where a keysym sits on the keyboard.
type keyPos struct {
	code  xproto.Keycode
	level level
}

// keymap is a copy of the server's core keyboard map with an index from
// keysym to the simplest way of typing it.
type keymap struct {
	min, max xproto.Keycode
	per      int // keysyms per keycode
	syms     []xproto.Keysym
	index    map[uint32]keyPos
}

// loadKeymap fetches the server's keyboard map.
func loadKeymap(c *xgb.Conn) (*keymap, error) {
	setup := xproto.Setup(c)
	lo, hi := setup.MinKeycode, setup.MaxKeycode
	r, err := xproto.GetKeyboardMapping(c, lo, byte(hi-lo+1)).Reply()
	if err != nil {
		return nil, fmt.Errorf("get keyboard mapping: %w", err)
	}
	return newKeymap(lo, hi, int(r.KeysymsPerKeycode), r.Keysyms), nil
}

func newKeymap(lo, hi xproto.Keycode, per int, syms []xproto.Keysym) *keymap {
	m := &keymap{min: lo, max: hi, per: per, syms: syms}
	m.reindex()
	return m
}

// sym returns the keysym in column col of code, or 0.
func (m *keymap) sym(code xproto.Keycode, col int) uint32 {
	if code < m.min || code > m.max || col >= m.per {
		return 0
	}
	return uint32(m.syms[int(code-m.min)*m.per+col])
}

// empty reports whether code types nothing.
func (m *keymap) empty(code xproto.Keycode) bool {
	for col := range m.per {
		if m.sym(code, col) != 0 {
			return false
		}
	}
	return true
}

// reindex maps each keysym to its key, preferring the lowest level and
// then the lowest keycode.
func (m *keymap) reindex() {
	m.index = make(map[uint32]keyPos, int(m.max-m.min+1)*2)
	for lvl := range level(len(levelColumns)) {
		for code := int(m.min); code <= int(m.max); code++ {
			m.add(xproto.Keycode(code), lvl)
		}
	}
}

func (m *keymap) add(code xproto.Keycode, lvl level) {
	ks := m.sym(code, levelColumns[lvl])
	if ks == 0 && lvl == levelShift && m.sym(code, 1) == 0 {
		ks, _ = upperLatin(m.sym(code, 0)) // the uppercase letter is implied
	}
	if ks == 0 {
		return
	}
	if _, ok := m.index[ks]; ok {
		return
	}
	if !isCharKeysym(ks) {
		lvl = levelAny
	}
	m.index[ks] = keyPos{code: code, level: lvl}
}

// lookup returns where ks sits on the keyboard.
func (m *keymap) lookup(ks uint32) (keyPos, bool) {
	p, ok := m.index[ks]
	return p, ok
}

// keysymOf returns the keysym code types with no modifier.
func (m *keymap) keysymOf(code xproto.Keycode) uint32 {
	return m.sym(code, 0)
}
