package input

// Keysyms the injector needs by name.
const (
	ksBackSpace      = 0xff08
	ksTab            = 0xff09
	ksReturn         = 0xff0d
	ksShiftL         = 0xffe1
	ksShiftR         = 0xffe2
	ksISOLevel3Shift = 0xfe03
	ksUnicodeBase    = 0x01000000
)

// RuneKeysym returns the X keysym that types r: Latin-1 characters are
// their own keysyms, other characters use the Unicode keysym range
// (0x01000000 + code point), and newline, tab and backspace map to the
// Return, Tab and BackSpace keys. It returns 0 for other control
// characters and for invalid runes.
func RuneKeysym(r rune) uint32 {
	switch {
	case r == '\n' || r == '\r':
		return ksReturn
	case r == '\t':
		return ksTab
	case r == '\b':
		return ksBackSpace
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return 0
	case r <= 0xff:
		return uint32(r)
	case r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff):
		return 0
	}
	return ksUnicodeBase + uint32(r)
}

// isCharKeysym reports whether ks stands for a character (as opposed to a
// function or modifier key). Only character keysyms make the injector fake
// Shift or AltGr: Shift+Tab and Shift+Arrow must keep the technician's
// Shift, while '!' needs Shift whatever the technician held.
func isCharKeysym(ks uint32) bool {
	switch {
	case ks >= ksUnicodeBase:
		return ks <= ksUnicodeBase+0x10ffff
	case ks >= 0xfe00: // function, keypad, modifier and XKB keys
		return false
	}
	return ks >= 0x20 // Latin-1 and the legacy character sets
}

// upperLatin returns the uppercase keysym of a lowercase Latin-1 letter.
// The core keyboard map may list only a letter key's lowercase keysym and
// leave the uppercase one implied.
func upperLatin(ks uint32) (uint32, bool) {
	switch {
	case ks >= 'a' && ks <= 'z':
		return ks - 0x20, true
	case ks >= 0xe0 && ks <= 0xfe && ks != 0xf7:
		return ks - 0x20, true
	}
	return 0, false
}
