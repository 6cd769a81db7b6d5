package viewer

import (
	"unicode"
	"unicode/utf8"

	"gioui.org/io/key"

	"github.com/tandem-remote/tandem/internal/link/input"
)

// namedCodes maps Gio's names for non-character keys to KeyboardEvent.code
// names. Gio does not say left from right, so modifiers become the left
// key.
var namedCodes = map[key.Name]string{
	key.NameLeftArrow: "ArrowLeft", key.NameRightArrow: "ArrowRight",
	key.NameUpArrow: "ArrowUp", key.NameDownArrow: "ArrowDown",
	key.NameReturn: "Enter", key.NameEnter: "NumpadEnter", key.NameEscape: "Escape",
	key.NameHome: "Home", key.NameEnd: "End",
	key.NameDeleteBackward: "Backspace", key.NameDeleteForward: "Delete",
	key.NamePageUp: "PageUp", key.NamePageDown: "PageDown",
	key.NameTab: "Tab", key.NameSpace: "Space",
	key.NameCtrl: "ControlLeft", key.NameShift: "ShiftLeft", key.NameAlt: "AltLeft",
	key.NameSuper: "MetaLeft", key.NameCommand: "MetaLeft",
	key.NameF1: "F1", key.NameF2: "F2", key.NameF3: "F3", key.NameF4: "F4",
	key.NameF5: "F5", key.NameF6: "F6", key.NameF7: "F7", key.NameF8: "F8",
	key.NameF9: "F9", key.NameF10: "F10", key.NameF11: "F11", key.NameF12: "F12",
}

// usCodes maps the characters of a US keyboard's punctuation keys, shifted
// or not, to the key that types them. Gio names a key by the character it
// produced, so this recovers the physical key as a US layout places it.
var usCodes = map[rune]string{
	'`': "Backquote", '~': "Backquote", '-': "Minus", '_': "Minus", '=': "Equal", '+': "Equal",
	'[': "BracketLeft", '{': "BracketLeft", ']': "BracketRight", '}': "BracketRight",
	'\\': "Backslash", '|': "Backslash", ';': "Semicolon", ':': "Semicolon",
	'\'': "Quote", '"': "Quote", ',': "Comma", '<': "Comma", '.': "Period", '>': "Period",
	'/': "Slash", '?': "Slash",
	'!': "Digit1", '@': "Digit2", '#': "Digit3", '$': "Digit4", '%': "Digit5",
	'^': "Digit6", '&': "Digit7", '*': "Digit8", '(': "Digit9", ')': "Digit0",
}

// keyRune returns the character a key name stands for, if it is one. Some
// of Gio's names for other keys are single symbols ("⏎"); they are not.
func keyRune(n key.Name) (rune, bool) {
	if _, named := namedCodes[n]; named {
		return 0, false
	}
	r, size := utf8.DecodeRuneInString(string(n))
	if size == 0 || size != len(n) || !unicode.IsPrint(r) || r == ' ' {
		return 0, false
	}
	return r, true
}

// keyCode returns the physical key for a Gio key name.
func keyCode(n key.Name) input.Code {
	if s, ok := namedCodes[n]; ok {
		return input.ParseCode(s)
	}
	r, ok := keyRune(n)
	switch {
	case !ok:
		return input.CodeUnidentified
	case 'A' <= r && r <= 'Z':
		return input.ParseCode("Key" + string(r))
	case '0' <= r && r <= '9':
		return input.ParseCode("Digit" + string(r))
	}
	return input.ParseCode(usCodes[r])
}

// keySym returns the keysym a key press produced. Gio names letters in
// upper case whatever the shift state, so Shift decides the case.
func keySym(n key.Name, mods key.Modifiers) uint32 {
	r, ok := keyRune(n)
	if !ok {
		return keyCode(n).USKeysym()
	}
	if unicode.IsUpper(r) && !mods.Contain(key.ModShift) {
		r = unicode.ToLower(r)
	}
	return input.RuneKeysym(r)
}

// printable reports whether a key types a character (and so comes with an
// EditEvent when no shortcut modifier is held).
func printable(n key.Name) bool {
	_, ok := keyRune(n)
	return ok || n == key.NameSpace
}

// typing reports whether a key press with these modifiers also produces
// text (an EditEvent) rather than a shortcut.
func typing(mods key.Modifiers) bool {
	return mods&(key.ModCtrl|key.ModAlt|key.ModSuper|key.ModCommand) == 0
}
