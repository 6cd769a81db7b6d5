package viewer

import (
	"fmt"
	"slices"
	"testing"

	"gioui.org/io/key"

	"github.com/tandem-remote/tandem/internal/link/input"
)

// describe writes an input event compactly, for comparing sequences.
func describe(ev input.Event) string {
	switch ev.Type {
	case input.PointerMove:
		return fmt.Sprintf("move %d %d,%d", ev.Monitor, ev.X, ev.Y)
	case input.ButtonDown:
		return fmt.Sprintf("button-down %d", ev.Button)
	case input.ButtonUp:
		return fmt.Sprintf("button-up %d", ev.Button)
	case input.Wheel:
		return fmt.Sprintf("wheel %d,%d", ev.DX, ev.DY)
	case input.KeyDown:
		return fmt.Sprintf("down %v %#x", ev.Code, ev.Keysym)
	case input.KeyUp:
		return fmt.Sprintf("up %v %#x", ev.Code, ev.Keysym)
	case input.Text:
		return fmt.Sprintf("text %q", ev.Text)
	case input.ReleaseAll:
		return "release-all"
	}
	return fmt.Sprintf("type %d", ev.Type)
}

func TestKeyCode(t *testing.T) {
	tests := []struct {
		name   key.Name
		mods   key.Modifiers
		code   string
		keysym uint32
	}{
		{"A", 0, "KeyA", 'a'},
		{"A", key.ModShift, "KeyA", 'A'},
		{"Z", key.ModCtrl, "KeyZ", 'z'},
		{"7", 0, "Digit7", '7'},
		{"!", key.ModShift, "Digit1", '!'},
		{"_", key.ModShift, "Minus", '_'},
		{"?", key.ModShift, "Slash", '?'},
		{"'", 0, "Quote", '\''},
		{key.NameSpace, 0, "Space", ' '},
		{key.NameReturn, 0, "Enter", 0xff0d},
		{key.NameEnter, 0, "NumpadEnter", 0xff8d},
		{key.NameDeleteBackward, 0, "Backspace", 0xff08},
		{key.NameDeleteForward, 0, "Delete", 0xffff},
		{key.NameLeftArrow, 0, "ArrowLeft", 0xff51},
		{key.NameTab, key.ModShift, "Tab", 0xff09},
		{key.NameShift, key.ModShift, "ShiftLeft", 0xffe1},
		{key.NameCtrl, key.ModCtrl, "ControlLeft", 0xffe3},
		{key.NameSuper, 0, "MetaLeft", 0xffeb},
		{key.NameF11, 0, "F11", 0xffc8},
		{"é", 0, "Unidentified", 0xe9},
		{"ж", 0, "Unidentified", 0x1000436},
	}
	for _, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			if got := keyCode(tt.name).String(); got != tt.code {
				t.Errorf("keyCode(%q) = %s, want %s", tt.name, got, tt.code)
			}
			if got := keySym(tt.name, tt.mods); got != tt.keysym {
				t.Errorf("keySym(%q, %v) = %#x, want %#x", tt.name, tt.mods, got, tt.keysym)
			}
		})
	}
}

// Key and edit events as Gio delivers them.
func press(n key.Name, m key.Modifiers) key.Event {
	return key.Event{Name: n, Modifiers: m, State: key.Press}
}
func release(n key.Name, m key.Modifiers) key.Event {
	return key.Event{Name: n, Modifiers: m, State: key.Release}
}

func TestKeyboard(t *testing.T) {
	type step any // key.Event, key.EditEvent, or "flush" (end of a frame's events)
	tests := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"letter", []step{press("A", 0), key.EditEvent{Text: "a"}, release("A", 0)},
			[]string{"down KeyA 0x61", "up KeyA 0x61"}},
		{"shifted letter", []step{press(key.NameShift, key.ModShift), press("B", key.ModShift), key.EditEvent{Text: "B"},
			release("B", key.ModShift), release(key.NameShift, 0)},
			[]string{"down ShiftLeft 0xffe1", "down KeyB 0x42", "up KeyB 0x42", "up ShiftLeft 0xffe1"}},
		{"caps lock: the typed text decides the keysym", []step{press("Q", 0), key.EditEvent{Text: "Q"}, release("Q", 0)},
			[]string{"down KeyQ 0x51", "up KeyQ 0x51"}},
		{"other layout: key named by its character", []step{press("Y", 0), key.EditEvent{Text: "z"}, release("Y", 0)},
			[]string{"down KeyY 0x7a", "up KeyY 0x7a"}},
		{"shortcut has no text", []step{press(key.NameCtrl, key.ModCtrl), press("C", key.ModCtrl), release("C", key.ModCtrl), release(key.NameCtrl, 0)},
			[]string{"down ControlLeft 0xffe3", "down KeyC 0x63", "up KeyC 0x63", "up ControlLeft 0xffe3"}},
		{"text with no key: input method or unnamed key", []step{key.EditEvent{Text: "жи"}},
			[]string{`text "жи"`}},
		{"space types a space once", []step{press(key.NameSpace, 0), key.EditEvent{Text: " "}, release(key.NameSpace, 0)},
			[]string{"down Space 0x20", "up Space 0x20"}},
		{"dead key: press without text is sent at the frame's end", []step{press("A", 0), "flush", release("A", 0)},
			[]string{"down KeyA 0x61", "up KeyA 0x61"}},
		{"press then text of another key", []step{press("A", 0), key.EditEvent{Text: "ab"}, release("A", 0)},
			[]string{"down KeyA 0x61", `text "ab"`, "up KeyA 0x61"}},
		{"release of a key pressed elsewhere is dropped", []step{release("X", 0), press(key.NameReturn, 0), release(key.NameReturn, 0)},
			[]string{"down Enter 0xff0d", "up Enter 0xff0d"}},
		{"key up keeps the key-down keysym after shift is let go", []step{press(key.NameShift, key.ModShift), press("1", key.ModShift),
			key.EditEvent{Text: "!"}, release(key.NameShift, 0), release("1", 0)},
			[]string{"down ShiftLeft 0xffe1", "down Digit1 0x21", "up ShiftLeft 0xffe1", "up Digit1 0x21"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			kb := newKeyboard(func(ev input.Event) { got = append(got, describe(ev)) })
			for _, s := range tt.steps {
				switch s := s.(type) {
				case key.Event:
					kb.key(s)
				case key.EditEvent:
					kb.edit(s.Text)
				case string:
					kb.flush()
				}
			}
			kb.flush()
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if kb.held() {
				t.Errorf("keys still held: %v", kb.down)
			}
		})
	}
}

func TestChordEvents(t *testing.T) {
	var got []string
	for _, ev := range chordEvents(chords[btnCtrlAltDel]) {
		got = append(got, describe(ev))
	}
	want := []string{"down ControlLeft 0xffe3", "down AltLeft 0xffe9", "down Delete 0xffff",
		"up Delete 0xffff", "up AltLeft 0xffe9", "up ControlLeft 0xffe3"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
