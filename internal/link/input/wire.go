package input

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Type is a message's leading byte.
type Type uint8

// Message types; see the package doc for their layouts.
const (
	PointerMove Type = 0x01
	ButtonDown  Type = 0x02
	ButtonUp    Type = 0x03
	Wheel       Type = 0x04
	KeyDown     Type = 0x05
	KeyUp       Type = 0x06
	Text        Type = 0x07
	ReleaseAll  Type = 0x08
)

// Button is a pointer button.
type Button uint8

// Buttons, numbered as on the wire.
const (
	ButtonLeft    Button = 1
	ButtonMiddle  Button = 2
	ButtonRight   Button = 3
	ButtonBack    Button = 4
	ButtonForward Button = 5
)

// WheelDetent is one notch of a wheel in Event.DX and Event.DY.
const WheelDetent = 120

// MaxText is the most UTF-8 bytes one Text message carries.
const MaxText = 4096

// Errors from Decode.
var (
	// ErrUnknownType reports a message type this version does not know;
	// a receiver skips the message.
	ErrUnknownType = errors.New("unknown input message type")
	// ErrMalformed reports a message of a known type that is broken.
	ErrMalformed = errors.New("malformed input message")
)

// Event is one input message. Only the fields of its Type are meaningful.
type Event struct {
	Type    Type
	Monitor uint8  // PointerMove: which monitor
	X, Y    uint16 // PointerMove: pixels from the monitor's top-left corner
	Button  Button // ButtonDown, ButtonUp
	DX, DY  int16  // Wheel: 120ths of a detent; positive is right and down
	Code    Code   // KeyDown, KeyUp: the physical key
	Keysym  uint32 // KeyDown, KeyUp: the X keysym the key produced, or 0
	Text    string // Text: UTF-8, at most MaxText bytes
}

// sizes holds each fixed-size type's total length; Text has a 3-byte header.
var sizes = [...]int{
	PointerMove: 6, ButtonDown: 2, ButtonUp: 2, Wheel: 5,
	KeyDown: 6, KeyUp: 6, Text: 3, ReleaseAll: 1,
}

func known(t Type) bool { return t != 0 && int(t) < len(sizes) }

// Encode appends ev's wire form to dst and returns the extended slice. It
// appends nothing for an unknown Type. Text longer than MaxText is cut at
// a character boundary (TextEvents splits long text instead) and invalid
// UTF-8 is replaced, so that what Encode writes always decodes.
func Encode(dst []byte, ev Event) []byte {
	if !known(ev.Type) {
		return dst
	}
	dst = append(dst, byte(ev.Type))
	switch ev.Type {
	case PointerMove:
		dst = append(dst, ev.Monitor)
		dst = binary.LittleEndian.AppendUint16(dst, ev.X)
		dst = binary.LittleEndian.AppendUint16(dst, ev.Y)
	case ButtonDown, ButtonUp:
		dst = append(dst, byte(ev.Button))
	case Wheel:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(ev.DX))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(ev.DY))
	case KeyDown, KeyUp:
		dst = append(dst, byte(ev.Code))
		dst = binary.LittleEndian.AppendUint32(dst, ev.Keysym)
	case Text:
		s := cleanText(ev.Text)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// cleanText makes s valid UTF-8 of at most MaxText bytes.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= MaxText {
		return s
	}
	n := MaxText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// TextEvents splits s into Text events of at most MaxText bytes each,
// never inside a character.
func TextEvents(s string) []Event {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var evs []Event
	for s != "" {
		part := cleanText(s)
		evs = append(evs, Event{Type: Text, Text: part})
		s = s[len(part):]
	}
	return evs
}

// Decode parses one message. It allocates only for Text.
func Decode(b []byte) (Event, error) {
	if len(b) == 0 {
		return Event{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	t := Type(b[0])
	if !known(t) {
		return Event{}, fmt.Errorf("%w 0x%02x", ErrUnknownType, b[0])
	}
	if t == Text {
		return decodeText(b)
	}
	if len(b) != sizes[t] {
		return Event{}, fmt.Errorf("%w: type 0x%02x has %d bytes, want %d", ErrMalformed, b[0], len(b), sizes[t])
	}
	ev := Event{Type: t}
	switch t {
	case PointerMove:
		ev.Monitor = b[1]
		ev.X = binary.LittleEndian.Uint16(b[2:])
		ev.Y = binary.LittleEndian.Uint16(b[4:])
	case ButtonDown, ButtonUp:
		ev.Button = Button(b[1])
		if ev.Button < ButtonLeft || ev.Button > ButtonForward {
			return Event{}, fmt.Errorf("%w: button %d", ErrMalformed, b[1])
		}
	case Wheel:
		ev.DX = int16(binary.LittleEndian.Uint16(b[1:]))
		ev.DY = int16(binary.LittleEndian.Uint16(b[3:]))
	case KeyDown, KeyUp:
		ev.Code = Code(b[1])
		ev.Keysym = binary.LittleEndian.Uint32(b[2:])
	}
	return ev, nil
}

func decodeText(b []byte) (Event, error) {
	if len(b) < 3 {
		return Event{}, fmt.Errorf("%w: text header cut short", ErrMalformed)
	}
	n := int(binary.LittleEndian.Uint16(b[1:]))
	switch {
	case n > MaxText:
		return Event{}, fmt.Errorf("%w: text of %d bytes, limit %d", ErrMalformed, n, MaxText)
	case len(b) != 3+n:
		return Event{}, fmt.Errorf("%w: text says %d bytes, has %d", ErrMalformed, n, len(b)-3)
	case !utf8.Valid(b[3:]):
		return Event{}, fmt.Errorf("%w: text is not UTF-8", ErrMalformed)
	}
	return Event{Type: Text, Text: string(b[3:])}, nil
}
