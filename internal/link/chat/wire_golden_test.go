package chat

// Golden files for docs/wire.md: messages of the "chat" data channel as a
// sender writes them, and the cleaning a sender applies (and a receiver
// checks). Each test encodes, compares with testdata/wire, and decodes the
// file back. "go test -run TestWireSpec -update" rewrites them.

import (
	"bytes"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

// TestWireSpecChat pins messages as a sender writes them: the text already
// cleaned, the sender's clock with its zone and sub-second digits as Go's
// RFC 3339 writes them.
func TestWireSpecChat(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		file string
		m    Message
	}{
		{"message.json", Message{ID: 1, Text: "Hello, I'm Alice from Example Ltd.", Sent: time.Date(2026, 11, 25, 10, 0, 5, 0, time.UTC)}},
		{"message-multiline.json", Message{ID: 2, Text: "Is the printer on?\n\tModel: \"LX-5\" <office> & co ☕",
			Sent: time.Date(2026, 11, 25, 11, 0, 6, 250_000_000, paris)}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := encode(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			want := wiretest.Golden(t, tc.file, append(b, '\n'))
			back, err := decode(bytes.TrimSuffix(want, []byte("\n")))
			if err != nil || back.ID != tc.m.ID || back.Text != tc.m.Text || !back.Sent.Equal(tc.m.Sent) {
				t.Fatalf("decode = %+v, %v; want %+v", back, err, tc.m)
			}
		})
	}
}

// TestWireSpecChatCleaning pins what a sender does to typed text before it
// goes out: the receiver refuses any text that cleaning would change.
func TestWireSpecChatCleaning(t *testing.T) {
	var b bytes.Buffer
	for _, in := range []string{
		"  padded\t\n",
		"bell\a and escape\x1b[2J",
		"line\u2028separator and paragraph\u2029separator",
		"override \u202Egnp.exe\u202C and isolate \u2066x\u2069",
		"keeps\ttabs\nand newlines",
	} {
		out, err := cleanText(in)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(quoteGo(in) + " -> " + quoteGo(out) + "\n")
	}
	wiretest.Golden(t, "cleaning.txt", b.Bytes())
}

func quoteGo(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x2028 && r <= 0x2029) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			b.WriteString(`\u`)
			b.WriteString(hex4(r))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex4(r rune) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15]})
}
