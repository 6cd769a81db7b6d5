package input

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// SparesUndo names the state Options.Remapped gives and RestoreSpares
// takes, for a process that keeps such states under names (the agent's
// self-removal guardian).
const SparesUndo = "x-keys"

// spareState is what the injector may have put on the display's spare
// keycodes: the state Options.Remapped gives and RestoreSpares takes.
type spareState struct {
	Display string     `json:"display"`
	Keys    []spareKey `json:"keys"`
}

// spareKey is a spare keycode and the keysyms it may type because of the
// injector: what it types now and, while a remap is on its way, what it
// is about to type.
type spareKey struct {
	Code    uint8    `json:"code"`
	Keysyms []uint32 `json:"keysyms"`
}

// announce tells Options.Remapped what the spares may type once spare i
// types ks, before the server is asked to make it so.
func (x *X11) announce(i int, ks uint32) {
	if x.remapped == nil {
		return
	}
	st := spareState{Display: x.display, Keys: x.spares.pending(i, ks)}
	b, err := json.Marshal(st)
	if err != nil {
		x.log.Warn("spare keys not reported", "err", err)
		return
	}
	x.remapped(b)
}

// pending lists what each spare may type once spare i types ks: its
// present keysym, and ks too for spare i until the change is applied.
func (p *sparePool) pending(i int, ks uint32) []spareKey {
	var keys []spareKey
	for j, s := range p.keys {
		var syms []uint32
		if s.keysym != 0 {
			syms = append(syms, s.keysym)
		}
		if j == i && ks != 0 && ks != s.keysym {
			syms = append(syms, ks)
		}
		if len(syms) > 0 {
			keys = append(keys, spareKey{Code: uint8(s.code), Keysyms: syms})
		}
	}
	return keys
}

// RestoreSpares empties the spare keycodes an injector remapped and could
// not restore itself (its process was killed before Close), from the last
// state its Options.Remapped gave. A keycode that no longer types what the
// injector put there (someone remapped it since, or the injector restored
// it) is left alone.
func RestoreSpares(state []byte) error {
	var st spareState
	if err := json.Unmarshal(state, &st); err != nil {
		return fmt.Errorf("restore spare keys: %w", err)
	}
	if len(st.Keys) == 0 {
		return nil
	}
	c, err := xconn.Dial(st.Display)
	if err != nil {
		return fmt.Errorf("restore spare keys: connect to X display %q: %w", st.Display, err)
	}
	defer c.Close()
	km, err := loadKeymap(c)
	if err != nil {
		return fmt.Errorf("restore spare keys: %w", err)
	}
	var errs []error
	for _, k := range st.Keys {
		code := xproto.Keycode(k.Code)
		if !km.remappedTo(code, k.Keysyms) {
			continue
		}
		empty := make([]xproto.Keysym, km.per)
		if err := xproto.ChangeKeyboardMappingChecked(c, 1, code, byte(km.per), empty).Check(); err != nil {
			errs = append(errs, fmt.Errorf("restore spare keycode %d: %w", code, err))
		}
	}
	return errors.Join(errs...)
}

// remappedTo reports whether code types one of syms the way a spare
// remapped by the injector does: that keysym in its first two columns and
// nothing else in the others (XKB copies it into the second group's).
func (m *keymap) remappedTo(code xproto.Keycode, syms []uint32) bool {
	for _, ks := range syms {
		if ks == 0 || m.sym(code, 0) != ks || m.sym(code, 1) != ks {
			continue
		}
		for col := 2; col < m.per; col++ {
			if s := m.sym(code, col); s != 0 && s != ks {
				return false
			}
		}
		return true
	}
	return false
}
