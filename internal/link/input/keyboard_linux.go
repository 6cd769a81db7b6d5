package input

import (
	"fmt"
	"image"
	"time"

	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// keyID names a held key: its physical code, or its keysym (bit 32 set)
// when the sender could not name the key. KeyUp releases the keycode that
// KeyDown pressed, even if the keysym changed in between (Shift released
// before the letter).
type keyID uint64

func keyIdent(code Code, ks uint32) keyID {
	if code != CodeUnidentified {
		return keyID(code)
	}
	return keyID(ks) | 1<<32
}

// Keysyms of the modifier keys the injector fakes.
var (
	shiftSyms = [2]uint32{ksShiftL, ksShiftR}
	altGrSyms = [2]uint32{ksISOLevel3Shift, ksISOLevel3Shift}
)

func (x *X11) keyDown(code Code, ks uint32) error {
	if ks == 0 {
		ks = code.USKeysym()
	}
	if ks == 0 {
		return fmt.Errorf("key down %v: no keysym", code)
	}
	id := keyIdent(code, ks)
	if pos, ok := x.keys[id]; ok {
		// Auto-repeat. The server ignores a fake press of a key already
		// down, so release it first, as X's own auto-repeat does.
		return x.withLevel(pos.level, func() {
			x.fakeKey(pos.code, false)
			x.fakeKey(pos.code, true)
		})
	}
	pos, err := x.find(ks)
	if err != nil {
		return fmt.Errorf("key down %v: %w", code, err)
	}
	x.keys[id] = pos
	return x.withLevel(pos.level, func() { x.fakeKey(pos.code, true) })
}

// keyUp releases what the matching keyDown pressed; a key that is not down
// (never pressed, or released by ReleaseAll) is ignored.
func (x *X11) keyUp(code Code, ks uint32) {
	if ks == 0 {
		ks = code.USKeysym()
	}
	id := keyIdent(code, ks)
	if pos, ok := x.keys[id]; ok {
		delete(x.keys, id)
		x.fakeKey(pos.code, false)
	}
}

// typeText types s one character at a time. A line break (\n, \r or
// \r\n) is one Return; other control characters than tab and backspace
// are skipped.
func (x *X11) typeText(s string) error {
	prev := rune(0)
	for _, r := range s {
		ks := RuneKeysym(r)
		if ks == 0 || (r == '\n' && prev == '\r') {
			prev = r
			continue
		}
		prev = r
		pos, err := x.find(ks)
		if err != nil {
			return fmt.Errorf("type %q: %w", r, err)
		}
		err = x.withLevel(pos.level, func() {
			x.fakeKey(pos.code, true)
			x.fakeKey(pos.code, false)
		})
		if err != nil {
			return fmt.Errorf("type %q: %w", r, err)
		}
	}
	return nil
}

// find returns the key that types ks, remapping a spare key if the
// keyboard has none.
func (x *X11) find(ks uint32) (keyPos, error) {
	if x.stale.Swap(false) {
		if err := x.refresh(); err != nil {
			return keyPos{}, err
		}
	}
	if i := x.spares.holding(ks); i >= 0 {
		return keyPos{code: x.spares.keys[i].code, level: levelAny}, nil
	}
	if p, ok := x.km.lookup(ks); ok {
		return p, nil
	}
	i, err := x.spares.pick(x.held)
	if err != nil {
		return keyPos{}, fmt.Errorf("keysym 0x%x: %w", ks, err)
	}
	x.announce(i, ks)
	if err := x.spares.remap(x.conn, x.km, i, ks); err != nil {
		return keyPos{}, err
	}
	return keyPos{code: x.spares.keys[i].code, level: levelAny}, nil
}

// refresh reloads the keyboard map after the server announced a change.
func (x *X11) refresh() error {
	km, err := loadKeymap(x.conn)
	if err != nil {
		return err
	}
	x.km = km
	x.spares.prune(km)
	return nil
}

func (x *X11) held(kc xproto.Keycode) bool { return x.down[kc] }

// withLevel runs press with Shift and AltGr set as lvl needs, pressing the
// missing modifiers and lifting held ones that would change the keysym,
// then puts them back as they were.
func (x *X11) withLevel(lvl level, press func()) error {
	if lvl == levelAny {
		press()
		return nil
	}
	undo, err := x.setMod(lvl&levelShift != 0, shiftSyms, nil)
	if err == nil {
		undo, err = x.setMod(lvl&levelAltGr != 0, altGrSyms, undo)
	}
	if err == nil {
		press()
	}
	for i := len(undo) - 1; i >= 0; i-- {
		x.fakeKey(undo[i].code, undo[i].press)
	}
	return err
}

// modChange is a fake modifier press or release to undo later.
type modChange struct {
	code  xproto.Keycode
	press bool
}

// setMod turns the modifier whose keys type syms on or off and appends
// the changes that undo it.
func (x *X11) setMod(on bool, syms [2]uint32, undo []modChange) ([]modChange, error) {
	held := false
	for kc, down := range x.down {
		ks := x.km.keysymOf(xproto.Keycode(kc))
		if !down || (ks != syms[0] && ks != syms[1]) {
			continue
		}
		held = true
		if !on {
			x.fakeKey(xproto.Keycode(kc), false)
			undo = append(undo, modChange{xproto.Keycode(kc), true})
		}
	}
	if on && !held {
		p, ok := x.km.lookup(syms[0])
		if !ok {
			return undo, fmt.Errorf("keyboard has no key for modifier keysym 0x%x", syms[0])
		}
		x.fakeKey(p.code, true)
		undo = append(undo, modChange{p.code, false})
	}
	return undo, nil
}

func (x *X11) fakeKey(kc xproto.Keycode, press bool) {
	typ := byte(xproto.KeyRelease)
	if press {
		typ = xproto.KeyPress
	}
	x.injecting(typ, byte(kc), image.Point{})
	xtest.FakeInput(x.conn, typ, byte(kc), 0, x.root, 0, 0, 0)
	x.down[kc] = press
	x.spares.touch(kc, time.Now())
}
