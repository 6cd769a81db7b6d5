package input

import (
	"errors"
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// remapGrace is how long a spare key rests after it was typed before it
// may take another keysym. Xlib applies a new keyboard map as soon as it
// reads the notification off the socket, so a client that has not yet
// processed the earlier key press would read it with the new keysym. 50 ms
// was enough on an idle machine but not under the load of a full CI run
// (an xterm read "мягких" as "ыпеких"); the wait only applies once more
// distinct characters than there are spare keys are typed within it.
const remapGrace = 300 * time.Millisecond

// spare is a keycode the server's map leaves empty, which the injector
// remaps to type characters the keyboard does not have.
type spare struct {
	code   xproto.Keycode
	keysym uint32 // what it types now, 0 if nothing
	used   time.Time
}

// sparePool holds the spare keys, reused least recently used first.
type sparePool struct {
	keys []spare
}

// newSparePool takes every empty keycode of m.
func newSparePool(m *keymap) sparePool {
	var p sparePool
	for code := int(m.min); code <= int(m.max); code++ {
		if m.empty(xproto.Keycode(code)) {
			p.keys = append(p.keys, spare{code: xproto.Keycode(code)})
		}
	}
	return p
}

// prune drops spares that someone else has mapped since: a spare must be
// empty or type what the injector put there.
func (p *sparePool) prune(m *keymap) {
	kept := p.keys[:0]
	for _, s := range p.keys {
		if m.empty(s.code) || (s.keysym != 0 && m.sym(s.code, 0) == s.keysym) {
			kept = append(kept, s)
		}
	}
	p.keys = kept
}

// holding returns the index of the spare that types ks now, or -1.
func (p *sparePool) holding(ks uint32) int {
	for i, s := range p.keys {
		if s.keysym == ks {
			return i
		}
	}
	return -1
}

// pick returns the index of the least recently used spare that is not
// held down.
func (p *sparePool) pick(held func(xproto.Keycode) bool) (int, error) {
	best := -1
	for i, s := range p.keys {
		if held(s.code) {
			continue
		}
		if best < 0 || s.used.Before(p.keys[best].used) {
			best = i
		}
	}
	if best < 0 {
		return 0, errors.New("no spare keycode free to remap")
	}
	return best, nil
}

// touch records that code was pressed or released at t, if it is a spare.
func (p *sparePool) touch(code xproto.Keycode, t time.Time) {
	for i := range p.keys {
		if p.keys[i].code == code {
			p.keys[i].used = t
			return
		}
	}
}

// remap points spare i at ks (0 empties it) and waits for the server to
// apply it, so that the next fake key press already uses it.
func (p *sparePool) remap(c *xgb.Conn, m *keymap, i int, ks uint32) error {
	s := &p.keys[i]
	if wait := remapGrace - time.Since(s.used); s.keysym != 0 && wait > 0 {
		time.Sleep(wait)
	}
	syms := make([]xproto.Keysym, m.per)
	syms[0], syms[1] = xproto.Keysym(ks), xproto.Keysym(ks) // same whatever Shift says
	err := xproto.ChangeKeyboardMappingChecked(c, 1, s.code, byte(m.per), syms).Check()
	if err != nil {
		return fmt.Errorf("remap keycode %d: %w", s.code, err)
	}
	copy(m.syms[int(s.code-m.min)*m.per:], syms)
	if s.keysym != 0 {
		delete(m.index, s.keysym)
	}
	if ks != 0 {
		m.index[ks] = keyPos{code: s.code, level: levelAny}
	}
	s.keysym = ks
	return nil
}

// restore empties every spare the injector remapped.
func (p *sparePool) restore(c *xgb.Conn, m *keymap) error {
	var first error
	for i := range p.keys {
		if p.keys[i].keysym == 0 {
			continue
		}
		if err := p.remap(c, m, i, 0); err != nil && first == nil {
			first = err
		}
	}
	return first
}
