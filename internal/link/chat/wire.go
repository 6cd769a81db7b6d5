package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxText is the longest message text, in bytes of UTF-8.
const MaxText = 4096

// maxWire bounds an encoded message: MaxText bytes where every byte could
// need a six-byte \u escape, plus the other fields.
const maxWire = 6*MaxText + 256

const version = 1

// Errors Send returns for text it will not send; each says what to do.
var (
	ErrEmpty   = errors.New("chat message is empty; type some text")
	ErrTooLong = fmt.Errorf("chat message is longer than %d bytes; split it into shorter messages", MaxText)
	ErrNotUTF8 = errors.New("chat message is not valid UTF-8 text; paste it as plain text")
)

// Decode errors; Run logs them and drops the message.
var (
	errMalformed = errors.New("malformed chat message")
	errVersion   = errors.New("unknown chat message version")
)

type wireMessage struct {
	V    int       `json:"v"`
	ID   uint64    `json:"id"`
	Text string    `json:"text"`
	Sent time.Time `json:"sent"`
}

func encode(m Message) ([]byte, error) {
	return json.Marshal(wireMessage{V: version, ID: m.ID, Text: m.Text, Sent: m.Sent})
}

// decode parses one wire message; From is left for the caller to fill in.
func decode(b []byte) (Message, error) {
	if len(b) > maxWire {
		return Message{}, fmt.Errorf("%w: %d bytes, at most %d", errMalformed, len(b), maxWire)
	}
	if !utf8.Valid(b) {
		return Message{}, fmt.Errorf("%w: not UTF-8", errMalformed)
	}
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return Message{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if w.V != version {
		return Message{}, fmt.Errorf("%w %d (this side reads %d)", errVersion, w.V, version)
	}
	if w.ID == 0 || w.Sent.IsZero() {
		return Message{}, fmt.Errorf("%w: missing id or sent time", errMalformed)
	}
	if t, err := cleanText(w.Text); err != nil || t != w.Text {
		return Message{}, fmt.Errorf("%w: text empty, too long or not clean", errMalformed)
	}
	return Message{ID: w.ID, Text: w.Text, Sent: w.Sent}, nil
}

// cleanText returns text as it may be sent: control characters other than
// newline and tab removed, line and paragraph separators made newlines,
// surrounding space trimmed.
func cleanText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", ErrNotUTF8
	}
	text = strings.TrimSpace(strings.Map(cleanRune, text))
	switch {
	case text == "":
		return "", ErrEmpty
	case len(text) > MaxText:
		return "", ErrTooLong
	}
	return text, nil
}

func cleanRune(r rune) rune {
	switch {
	case r == '\n' || r == '\t':
		return r
	case r == '\u2028' || r == '\u2029':
		// A viewer may break the line here, which would let one line of a
		// saved transcript pose as the start of another message.
		return '\n'
	case unicode.IsControl(r) || bidiControl(r):
		return -1
	}
	return r
}

// bidiControl reports the explicit embedding, override and isolate
// controls, which can make text display in an order other than it reads
// (the "Trojan Source" trick). Right-to-left text needs none of them.
func bidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
