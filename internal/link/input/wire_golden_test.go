package input_test

// Golden files for docs/wire.md: every message of the "input" data channel
// as a hex dump, and the table of key codes (the one-byte Code each
// KeyboardEvent.code name travels as). Each test encodes, compares with
// testdata/wire, and decodes the file back. "go test -run TestWireSpec
// -update" rewrites them.

import (
	"encoding/hex"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/link/input"

	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

// -update rewrites the golden files (package wiretest).
var _ = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestWireSpecInput pins one message of every type.
func TestWireSpecInput(t *testing.T) {
	for _, tc := range []struct {
		file string
		ev   input.Event
	}{
		{"pointer-move.hex", input.Event{Type: input.PointerMove, Monitor: 2, X: 1919, Y: 300}},
		{"button-down.hex", input.Event{Type: input.ButtonDown, Button: input.ButtonLeft}},
		{"button-up.hex", input.Event{Type: input.ButtonUp, Button: input.ButtonRight}},
		{"wheel.hex", input.Event{Type: input.Wheel, DX: 30, DY: -120}},
		{"key-down.hex", input.Event{Type: input.KeyDown, Code: input.ParseCode("KeyQ"), Keysym: 'a'}},
		{"key-up.hex", input.Event{Type: input.KeyUp, Code: input.ParseCode("ShiftLeft"), Keysym: 0xffe1}},
		{"key-down-unnamed.hex", input.Event{Type: input.KeyDown, Keysym: 0x01000416}},
		{"text.hex", input.Event{Type: input.Text, Text: "Grüße €"}},
		{"release-all.hex", input.Event{Type: input.ReleaseAll}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := wiretest.Undump(t, wiretest.Golden(t, tc.file, []byte(hex.Dump(input.Encode(nil, tc.ev)))))
			back, err := input.Decode(want)
			if err != nil || back != tc.ev {
				t.Fatalf("Decode = %+v, %v; want %+v", back, err, tc.ev)
			}
		})
	}
}

// TestWireSpecKeys pins the key code table: code, KeyboardEvent.code name,
// and the keysym the key has in a US layout (used when an event's keysym
// is 0). Codes are only ever appended.
func TestWireSpecKeys(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %-20s %s\n", "code", "name", "us_keysym")
	for i := range 256 {
		c := input.Code(i)
		if i > 0 && c.String() == input.CodeUnidentified.String() {
			break
		}
		if input.ParseCode(c.String()) != c {
			t.Errorf("code %d (%s) does not parse back", i, c)
		}
		fmt.Fprintf(&b, "%-4d %-20s 0x%04x\n", i, c, c.USKeysym())
	}
	wiretest.Golden(t, "keys.txt", []byte(b.String()))
}
