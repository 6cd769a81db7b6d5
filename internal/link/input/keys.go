package input

import "fmt"

// Code is a physical key, after KeyboardEvent.code in the UI Events spec
// ("KeyA", "ShiftLeft", ...). Its value is the key's index in the table
// below and goes on the wire as one byte: append new keys, never reorder.
type Code uint8

// CodeUnidentified is a key the sender could not name.
const CodeUnidentified Code = 0

// keys lists each code's name and the keysym the key has in a US layout,
// used when a key event carries no keysym.
var keys = [...]struct {
	name   string
	keysym uint32
}{
	{"Unidentified", 0x0},
	{"KeyA", 0x61},
	{"KeyB", 0x62},
	{"KeyC", 0x63},
	{"KeyD", 0x64},
	{"KeyE", 0x65},
	{"KeyF", 0x66},
	{"KeyG", 0x67},
	{"KeyH", 0x68},
	{"KeyI", 0x69},
	{"KeyJ", 0x6a},
	{"KeyK", 0x6b},
	{"KeyL", 0x6c},
	{"KeyM", 0x6d},
	{"KeyN", 0x6e},
	{"KeyO", 0x6f},
	{"KeyP", 0x70},
	{"KeyQ", 0x71},
	{"KeyR", 0x72},
	{"KeyS", 0x73},
	{"KeyT", 0x74},
	{"KeyU", 0x75},
	{"KeyV", 0x76},
	{"KeyW", 0x77},
	{"KeyX", 0x78},
	{"KeyY", 0x79},
	{"KeyZ", 0x7a},
	{"Digit0", 0x30},
	{"Digit1", 0x31},
	{"Digit2", 0x32},
	{"Digit3", 0x33},
	{"Digit4", 0x34},
	{"Digit5", 0x35},
	{"Digit6", 0x36},
	{"Digit7", 0x37},
	{"Digit8", 0x38},
	{"Digit9", 0x39},
	{"Backquote", 0x60},
	{"Minus", 0x2d},
	{"Equal", 0x3d},
	{"BracketLeft", 0x5b},
	{"BracketRight", 0x5d},
	{"Backslash", 0x5c},
	{"Semicolon", 0x3b},
	{"Quote", 0x27},
	{"Comma", 0x2c},
	{"Period", 0x2e},
	{"Slash", 0x2f},
	{"IntlBackslash", 0x3c},
	{"IntlRo", 0x5c},
	{"IntlYen", 0xa5},
	{"Space", 0x20},
	{"Backspace", 0xff08},
	{"Tab", 0xff09},
	{"Enter", 0xff0d},
	{"Escape", 0xff1b},
	{"CapsLock", 0xffe5},
	{"ShiftLeft", 0xffe1},
	{"ShiftRight", 0xffe2},
	{"ControlLeft", 0xffe3},
	{"ControlRight", 0xffe4},
	{"AltLeft", 0xffe9},
	{"AltRight", 0xffea},
	{"MetaLeft", 0xffeb},
	{"MetaRight", 0xffec},
	{"ContextMenu", 0xff67},
	{"Insert", 0xff63},
	{"Delete", 0xffff},
	{"Home", 0xff50},
	{"End", 0xff57},
	{"PageUp", 0xff55},
	{"PageDown", 0xff56},
	{"ArrowLeft", 0xff51},
	{"ArrowUp", 0xff52},
	{"ArrowRight", 0xff53},
	{"ArrowDown", 0xff54},
	{"PrintScreen", 0xff61},
	{"ScrollLock", 0xff14},
	{"Pause", 0xff13},
	{"Help", 0xff6a},
	{"NumLock", 0xff7f},
	{"Numpad0", 0xffb0},
	{"Numpad1", 0xffb1},
	{"Numpad2", 0xffb2},
	{"Numpad3", 0xffb3},
	{"Numpad4", 0xffb4},
	{"Numpad5", 0xffb5},
	{"Numpad6", 0xffb6},
	{"Numpad7", 0xffb7},
	{"Numpad8", 0xffb8},
	{"Numpad9", 0xffb9},
	{"NumpadAdd", 0xffab},
	{"NumpadSubtract", 0xffad},
	{"NumpadMultiply", 0xffaa},
	{"NumpadDivide", 0xffaf},
	{"NumpadDecimal", 0xffae},
	{"NumpadEnter", 0xff8d},
	{"NumpadEqual", 0xffbd},
	{"NumpadComma", 0xffac},
	{"F1", 0xffbe},
	{"F2", 0xffbf},
	{"F3", 0xffc0},
	{"F4", 0xffc1},
	{"F5", 0xffc2},
	{"F6", 0xffc3},
	{"F7", 0xffc4},
	{"F8", 0xffc5},
	{"F9", 0xffc6},
	{"F10", 0xffc7},
	{"F11", 0xffc8},
	{"F12", 0xffc9},
	{"F13", 0xffca},
	{"F14", 0xffcb},
	{"F15", 0xffcc},
	{"F16", 0xffcd},
	{"F17", 0xffce},
	{"F18", 0xffcf},
	{"F19", 0xffd0},
	{"F20", 0xffd1},
	{"F21", 0xffd2},
	{"F22", 0xffd3},
	{"F23", 0xffd4},
	{"F24", 0xffd5},
	{"AudioVolumeMute", 0x1008ff12},
	{"AudioVolumeDown", 0x1008ff11},
	{"AudioVolumeUp", 0x1008ff13},
	{"MediaPlayPause", 0x1008ff14},
	{"MediaStop", 0x1008ff15},
	{"MediaTrackPrevious", 0x1008ff16},
	{"MediaTrackNext", 0x1008ff17},
	{"Lang1", 0xff31},
	{"Lang2", 0xff34},
	{"Convert", 0xff23},
	{"NonConvert", 0xff22},
	{"KanaMode", 0xff27},
}

// String returns the key's KeyboardEvent.code name, or "Unidentified".
func (c Code) String() string {
	if int(c) < len(keys) {
		return keys[c].name
	}
	return keys[0].name
}

// USKeysym returns the keysym the key produces unshifted in a US layout,
// or 0.
func (c Code) USKeysym() uint32 {
	if int(c) < len(keys) {
		return keys[c].keysym
	}
	return 0
}

var codeByName = func() map[string]Code {
	m := make(map[string]Code, len(keys))
	for i, k := range keys {
		m[k.name] = Code(i)
	}
	return m
}()

// ParseCode returns the Code for a KeyboardEvent.code name, or
// CodeUnidentified for a name it does not know.
func ParseCode(name string) Code {
	return codeByName[name]
}

// Chord returns the key events that press the keys named (KeyboardEvent.code
// names, e.g. ControlLeft, AltLeft, Delete) in order, then release them in
// the reverse order. It fails on a name it does not know.
func Chord(names ...string) ([]Event, error) {
	evs := make([]Event, 0, 2*len(names))
	for _, n := range names {
		c := ParseCode(n)
		if c == CodeUnidentified {
			return nil, fmt.Errorf("unknown key %q: use KeyboardEvent.code names such as ControlLeft, AltLeft, Delete", n)
		}
		evs = append(evs, Event{Type: KeyDown, Code: c, Keysym: c.USKeysym()})
	}
	for i := len(names) - 1; i >= 0; i-- {
		c := ParseCode(names[i])
		evs = append(evs, Event{Type: KeyUp, Code: c, Keysym: c.USKeysym()})
	}
	return evs, nil
}
