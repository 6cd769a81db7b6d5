package proto

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Clipboard messages travel on the control channel between the peers:
// either side sends Clipboard when its clipboard changes (or when asked);
// the technician asks for the agent's with ClipboardGet.
//
// Text longer than one message carries travels in pieces (SplitClipboard):
// every piece but the last has More set, and the receiver joins them
// (ClipboardJoiner). The control channel is reliable and ordered, so the
// pieces of one text arrive together and in order.
const (
	TypeClipboard    Type = "clipboard"     // either way
	TypeClipboardGet Type = "clipboard-get" // technician → agent
)

// MaxClipboard bounds clipboard text either way, in bytes.
const MaxClipboard = 1 << 20

// MaxClipboardPiece bounds the text of one Clipboard message, so that the
// encoded envelope stays within MaxMessageSize whatever the text holds
// (JSON escapes a control character as six bytes).
const MaxClipboardPiece = 8 << 10

// ErrClipboardTooLarge: joined pieces went over MaxClipboard.
var ErrClipboardTooLarge = errors.New("clipboard text is over the size limit")

// Clipboard carries clipboard text, or one piece of it.
type Clipboard struct {
	Text string `json:"text"`
	More bool   `json:"more,omitempty"` // another piece of the same text follows
}

// ClipboardGet asks for the other side's clipboard.
type ClipboardGet struct{}

// SplitClipboard cuts text into messages of at most MaxClipboardPiece
// bytes each, never inside a UTF-8 sequence. Empty text is one message.
func SplitClipboard(text string) []Clipboard {
	var out []Clipboard
	for len(text) > MaxClipboardPiece {
		cut := MaxClipboardPiece
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 at all: cut anywhere
			cut = MaxClipboardPiece
		}
		out = append(out, Clipboard{Text: text[:cut], More: true})
		text = text[cut:]
	}
	return append(out, Clipboard{Text: text})
}

// ClipboardJoiner joins the pieces of clipboard texts as they arrive. The
// zero value is ready; it is not safe for concurrent use.
type ClipboardJoiner struct {
	buf  strings.Builder
	over bool // the text being joined went over MaxClipboard: drop it
}

// Add takes the next piece. It returns the whole text and true with the
// last piece of a text; ErrClipboardTooLarge (once, with that last piece)
// for a text over MaxClipboard, none of which is kept.
func (j *ClipboardJoiner) Add(c Clipboard) (string, bool, error) {
	if !j.over && j.buf.Len()+len(c.Text) > MaxClipboard {
		j.over = true
		j.buf.Reset()
	}
	if !j.over {
		j.buf.WriteString(c.Text)
	}
	if c.More {
		return "", false, nil
	}
	text, over := j.buf.String(), j.over
	j.buf, j.over = strings.Builder{}, false
	if over {
		return "", false, ErrClipboardTooLarge
	}
	return text, true, nil
}
