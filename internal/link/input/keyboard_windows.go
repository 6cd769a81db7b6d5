//go:build windows

package input

import (
	"fmt"
	"unicode/utf16"
)

// Virtual keys the injector presses itself.
const (
	vkShift    = 0x10
	vkLShift   = 0xa0
	vkRShift   = 0xa1
	vkLControl = 0xa2
	vkRControl = 0xa3
	vkLMenu    = 0xa4
	vkRMenu    = 0xa5
	vkDelete   = 0x2e
)

// Shift states in VkKeyScanW's high byte.
const (
	modShift = 1
	modCtrl  = 2
	modAlt   = 4
	modAltGr = modCtrl | modAlt
)

// winKey is a virtual key and whether it is an extended key (the
// navigation block, the right-hand Ctrl and Alt, the keypad's Enter).
type winKey struct {
	vk       uint16
	extended bool
}

// specialKeys maps the keysyms of keys that type no character to
// virtual keys (keysyms for characters go through VkKeyScanW).
var specialKeys = map[uint32]winKey{
	0xff08: {0x08, false}, 0xff09: {0x09, false}, 0xff0d: {0x0d, false}, 0xff1b: {0x1b, false},
	0xffe5: {0x14, false}, 0xffe1: {vkLShift, false}, 0xffe2: {vkRShift, true},
	0xffe3: {vkLControl, false}, 0xffe4: {vkRControl, true}, 0xffe9: {vkLMenu, false},
	0xffea: {vkRMenu, true}, 0xfe03: {vkRMenu, true}, 0xffeb: {0x5b, true}, 0xffec: {0x5c, true},
	0xffe7: {0x5b, true}, 0xffe8: {0x5c, true}, 0xff67: {0x5d, true},
	0xff63: {0x2d, true}, 0xffff: {0x2e, true}, 0xff50: {0x24, true}, 0xff57: {0x23, true},
	0xff55: {0x21, true}, 0xff56: {0x22, true}, 0xff51: {0x25, true}, 0xff52: {0x26, true},
	0xff53: {0x27, true}, 0xff54: {0x28, true}, 0xff61: {0x2c, true}, 0xff14: {0x91, false},
	0xff13: {0x13, false}, 0xff6a: {0x2f, false}, 0xff7f: {0x90, true},
	0xffab: {0x6b, false}, 0xffad: {0x6d, false}, 0xffaa: {0x6a, false}, 0xffaf: {0x6f, true},
	0xffae: {0x6e, false}, 0xffac: {0x6c, false}, 0xff8d: {0x0d, true},
	0x1008ff12: {0xad, true}, 0x1008ff11: {0xae, true}, 0x1008ff13: {0xaf, true},
	0x1008ff14: {0xb3, true}, 0x1008ff15: {0xb2, true}, 0x1008ff16: {0xb1, true}, 0x1008ff17: {0xb0, true},
}

func init() {
	for i := range uint32(10) { // KP_0..KP_9
		specialKeys[0xffb0+i] = winKey{uint16(0x60 + i), false}
	}
	for i := range uint32(24) { // F1..F24
		specialKeys[0xffbe+i] = winKey{uint16(0x70 + i), false}
	}
}

// winKeyID names a held key: its physical code, or its keysym (bit 32
// set) when the sender could not name the key; KeyUp releases what KeyDown
// pressed even if the keysym changed in between (Shift released first).
type winKeyID uint64

func winKeyIdent(code Code, ks uint32) winKeyID {
	if code != CodeUnidentified {
		return winKeyID(code)
	}
	return winKeyID(ks) | 1<<32
}

func (w *Windows) keyDown(code Code, ks uint32) error {
	if ks == 0 {
		ks = code.USKeysym()
	}
	id := winKeyIdent(code, ks)
	if k, ok := w.keys[id]; ok { // auto-repeat: Windows takes another press
		return sendInput(k.press()...)
	}
	k, mods, err := find(ks)
	if err != nil {
		return fmt.Errorf("key down %v: %w", code, err)
	}
	if k.vk == vkDelete && len(w.heldVKs(vkLControl, vkRControl)) > 0 && len(w.heldVKs(vkLMenu, vkRMenu)) > 0 {
		return ErrSecureAttention
	}
	w.keys[id] = k
	return sendInput(w.withMods(mods, k.press())...)
}

// keyUp releases what the matching keyDown pressed; a key that is not
// down is ignored.
func (w *Windows) keyUp(code Code, ks uint32) error {
	if ks == 0 {
		ks = code.USKeysym()
	}
	id := winKeyIdent(code, ks)
	k, ok := w.keys[id]
	if !ok {
		return nil
	}
	delete(w.keys, id)
	return sendInput(k.release()...)
}

// typeText types s one character at a time; a line break (\n, \r or
// \r\n) is one Enter, other control characters than tab and backspace
// are skipped.
func (w *Windows) typeText(s string) error {
	prev := rune(0)
	for _, r := range s {
		ks := RuneKeysym(r)
		if ks == 0 || (r == '\n' && prev == '\r') {
			prev = r
			continue
		}
		prev = r
		k, mods, err := find(ks)
		if err != nil {
			return fmt.Errorf("type %q: %w", r, err)
		}
		if err := sendInput(w.withMods(mods, append(k.press(), k.release()...))...); err != nil {
			return fmt.Errorf("type %q: %w", r, err)
		}
	}
	return nil
}

// find returns the key that types ks and the shift state it needs
// (modAny for keys that type no character: the technician's modifiers
// stay as they are). A character the layout lacks is typed as Unicode.
func find(ks uint32) (heldKey, int, error) {
	if k, ok := specialKeys[ks]; ok {
		return heldKey{vk: k.vk, scan: scanOf(k.vk), flags: extendedFlag(k.extended)}, modAny, nil
	}
	r := keysymRune(ks)
	if r == 0 {
		return heldKey{}, 0, fmt.Errorf("keysym 0x%x: %w", ks, errNoKey)
	}
	res, _, _ := procVkKeyScanW.Call(uintptr(r))
	vk, mods := uint16(res&0xff), int(res>>8&0xff)
	if int16(res) != -1 && (mods&modAltGr == 0 || mods&modAltGr == modAltGr) {
		return heldKey{vk: vk, scan: scanOf(vk)}, mods, nil
	}
	return heldKey{flags: keyUnicode, units: utf16.Encode([]rune{r})}, modAny, nil
}

// modAny: the key is pressed with whatever modifiers are held.
const modAny = -1

// keysymRune is the character a keysym stands for (Latin-1 and the
// Unicode range; 0 for others).
func keysymRune(ks uint32) rune {
	switch {
	case ks >= ksUnicodeBase && ks <= ksUnicodeBase+0x10ffff:
		return rune(ks - ksUnicodeBase)
	case ks >= 0x20 && ks <= 0x7e, ks >= 0xa0 && ks <= 0xff:
		return rune(ks)
	}
	return 0
}

func scanOf(vk uint16) uint16 {
	r, _, _ := procMapVirtualKeyW.Call(uintptr(vk), 0) // MAPVK_VK_TO_VSC
	return uint16(r)
}

func extendedFlag(ext bool) uint32 {
	if ext {
		return keyExtended
	}
	return 0
}

// withMods wraps keys in the Shift (and AltGr) presses and releases the
// character needs, given what the technician holds: Shift is pressed
// when needed and lifted while it would change the character, AltGr
// (Ctrl+Alt) pressed when needed. Everything is put back after.
func (w *Windows) withMods(mods int, keys []winInput) []winInput {
	if mods == modAny {
		return keys
	}
	var pre, post []winInput
	shifts := w.heldVKs(vkLShift, vkRShift, vkShift)
	switch {
	case mods&modShift != 0 && len(shifts) == 0:
		pre, post = append(pre, keyEvent(vkLShift, scanOf(vkLShift), 0)), append(post, keyEvent(vkLShift, scanOf(vkLShift), keyUp))
	case mods&modShift == 0:
		for _, vk := range shifts {
			pre = append(pre, keyEvent(vk, scanOf(vk), keyUp))
			post = append(post, keyEvent(vk, scanOf(vk), 0))
		}
	}
	if mods&modAltGr == modAltGr {
		for _, vk := range []uint16{vkLControl, vkRMenu} {
			if len(w.heldVKs(vk)) == 0 {
				pre = append(pre, keyEvent(vk, scanOf(vk), extendedVK(vk)))
				post = append(post, keyEvent(vk, scanOf(vk), extendedVK(vk)|keyUp))
			}
		}
	}
	return append(append(pre, keys...), post...)
}

// heldVKs returns which of vks the technician holds down.
func (w *Windows) heldVKs(vks ...uint16) []uint16 {
	var out []uint16
	for _, k := range w.keys {
		for _, vk := range vks {
			if k.flags&keyUnicode == 0 && k.vk == vk {
				out = append(out, vk)
			}
		}
	}
	return out
}

func extendedVK(vk uint16) uint32 {
	for _, k := range specialKeys {
		if k.vk == vk && k.extended {
			return keyExtended
		}
	}
	return 0
}

func (k heldKey) press() []winInput { return k.events(0) }

func (k heldKey) release() []winInput { return k.events(keyUp) }

func (k heldKey) events(up uint32) []winInput {
	if k.flags&keyUnicode != 0 {
		ins := make([]winInput, len(k.units))
		for i, u := range k.units {
			ins[i] = keyEvent(0, u, keyUnicode|up)
		}
		return ins
	}
	return []winInput{keyEvent(k.vk, k.scan, k.flags|up)}
}
