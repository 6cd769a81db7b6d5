package viewer

import (
	"unicode/utf8"

	"gioui.org/io/key"

	"github.com/tandem-remote/tandem/internal/link/input"
)

// keyboard turns Gio's key and edit events into input events. Gio reports a
// printable key twice, as a key.Event naming the key and as an EditEvent
// with the text it typed; keyboard holds the key press back until it sees
// whether text follows, and then sends one KeyDown whose keysym is the
// character actually typed (so Caps Lock and the technician's layout are
// honoured). Text with no key press of its own (an input method, a key Gio
// has no name for) goes out as Text.
type keyboard struct {
	down    map[input.Code]uint32 // held keys and the keysym each went down with
	pending *input.Event          // a printable key's KeyDown, waiting for its text
	emit    func(input.Event)
}

func newKeyboard(emit func(input.Event)) *keyboard {
	return &keyboard{down: make(map[input.Code]uint32), emit: emit}
}

// key handles one key.Event.
func (k *keyboard) key(e key.Event) {
	code := keyCode(e.Name)
	if e.State == key.Release {
		k.flush()
		k.release(code)
		return
	}
	k.flush()
	ev := input.Event{Type: input.KeyDown, Code: code, Keysym: keySym(e.Name, e.Modifiers)}
	if printable(e.Name) && typing(e.Modifiers) {
		k.pending = &ev
		return
	}
	k.press(ev)
}

// edit handles the text of one key.EditEvent.
func (k *keyboard) edit(text string) {
	if text == "" {
		return
	}
	r, size := utf8.DecodeRuneInString(text)
	if p := k.pending; p != nil && size == len(text) {
		k.pending = nil
		if ks := input.RuneKeysym(r); ks != 0 {
			p.Keysym = ks
		}
		k.press(*p)
		return
	}
	k.flush()
	for _, ev := range input.TextEvents(text) {
		k.emit(ev)
	}
}

// flush sends a held-back key press whose text did not come (a dead key,
// or a key with no text).
func (k *keyboard) flush() {
	if p := k.pending; p != nil {
		k.pending = nil
		k.press(*p)
	}
}

func (k *keyboard) press(ev input.Event) {
	k.down[ev.Code] = ev.Keysym
	k.emit(ev)
}

func (k *keyboard) release(code input.Code) {
	ks, ok := k.down[code]
	if !ok {
		return // went down before the window had focus
	}
	delete(k.down, code)
	k.emit(input.Event{Type: input.KeyUp, Code: code, Keysym: ks})
}

// held reports whether any key is down.
func (k *keyboard) held() bool { return len(k.down) > 0 || k.pending != nil }

// reset forgets every held key, after the caller has sent ReleaseAll.
func (k *keyboard) reset() {
	k.pending = nil
	clear(k.down)
}
