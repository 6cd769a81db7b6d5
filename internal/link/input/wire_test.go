package input

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// golden pins the wire format: changing any of these bytes breaks peers.
var golden = []struct {
	name string
	ev   Event
	hex  string
}{
	{"move monitor 1", Event{Type: PointerMove, Monitor: 1, X: 640, Y: 300}, "01 01 8002 2c01"},
	{"move max", Event{Type: PointerMove, Monitor: 255, X: 65535, Y: 65535}, "01 ff ffff ffff"},
	{"left down", Event{Type: ButtonDown, Button: ButtonLeft}, "02 01"},
	{"forward up", Event{Type: ButtonUp, Button: ButtonForward}, "03 05"},
	{"wheel up one detent", Event{Type: Wheel, DY: -120}, "04 0000 88ff"},
	{"wheel right fine", Event{Type: Wheel, DX: 30}, "04 1e00 0000"},
	{"key A shifted", Event{Type: KeyDown, Code: ParseCode("KeyA"), Keysym: 'A'}, "05 01 41000000"},
	{"shift up", Event{Type: KeyUp, Code: ParseCode("ShiftLeft"), Keysym: 0xffe1}, "06 39 e1ff0000"},
	{"unnamed key Zhe", Event{Type: KeyDown, Keysym: 0x01000416}, "05 00 16040001"},
	{"text", Event{Type: Text, Text: "Hé€"}, "07 0600 48 c3a9 e282ac"},
	{"empty text", Event{Type: Text}, "07 0000"},
	{"release all", Event{Type: ReleaseAll}, "08"},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	for _, tc := range golden {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got := Encode(nil, tc.ev)
			if !bytes.Equal(got, want) {
				t.Fatalf("Encode = % x, want % x", got, want)
			}
			ev, err := Decode(want)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ev != tc.ev {
				t.Fatalf("Decode = %+v, want %+v", ev, tc.ev)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"type zero", "00", ErrUnknownType},
		{"future type", "09 01", ErrUnknownType},
		{"move short", "01 01 8002 2c", ErrMalformed},
		{"move long", "01 01 8002 2c01 00", ErrMalformed},
		{"button zero", "02 00", ErrMalformed},
		{"button six", "03 06", ErrMalformed},
		{"key short", "05 01 41", ErrMalformed},
		{"release all with payload", "08 00", ErrMalformed},
		{"text header short", "07 01", ErrMalformed},
		{"text length lies", "07 0500 4142", ErrMalformed},
		{"text trailing", "07 0100 4142", ErrMalformed},
		{"text not utf-8", "07 0200 c328", ErrMalformed},
		{"text over limit", "07 0110" + strings.Repeat("41", MaxText+1), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(unhex(t, tc.hex))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEncodeText(t *testing.T) {
	long := strings.Repeat("€", MaxText) // 3 bytes each: must be cut between characters
	tests := []struct {
		name, in, want string
	}{
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"cut at a character", long, long[:MaxText-MaxText%3]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode(Encode(nil, Event{Type: Text, Text: tc.in}))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Text != tc.want {
				t.Fatalf("text = %d bytes %q..., want %d bytes", len(ev.Text), ev.Text[:min(8, len(ev.Text))], len(tc.want))
			}
		})
	}
	if got := Encode([]byte{9}, Event{Type: 0x7f}); !bytes.Equal(got, []byte{9}) {
		t.Fatalf("unknown type encoded as % x", got)
	}
}

func TestTextEvents(t *testing.T) {
	in := strings.Repeat("aЖ€", 2000) + "\xff"
	var joined strings.Builder
	for _, ev := range TextEvents(in) {
		b := Encode(nil, ev)
		if len(b) > 3+MaxText {
			t.Fatalf("message of %d bytes", len(b))
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		joined.WriteString(got.Text)
	}
	if want := strings.ToValidUTF8(in, "\uFFFD"); joined.String() != want {
		t.Fatalf("joined text differs: %d bytes, want %d", joined.Len(), len(want))
	}
}

func TestNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, tc := range golden {
		if tc.ev.Type == Text {
			continue
		}
		allocs := testing.AllocsPerRun(100, func() {
			buf = Encode(buf[:0], tc.ev)
			if _, err := Decode(buf); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per encode and decode", tc.name, allocs)
		}
	}
}

func TestCodes(t *testing.T) {
	for i := range len(keys) {
		c := Code(i)
		if got := ParseCode(c.String()); got != c {
			t.Errorf("ParseCode(%q) = %d, want %d", c.String(), got, c)
		}
	}
	// Wire values are the table's order: these must never move.
	pinned := map[string]Code{"Unidentified": 0, "KeyA": 1, "KeyZ": 26, "Digit0": 27,
		"Space": 51, "Enter": 54, "ShiftLeft": 57, "F1": 99}
	for name, want := range pinned {
		if got := ParseCode(name); got != want {
			t.Errorf("ParseCode(%q) = %d, want %d", name, got, want)
		}
	}
	if ParseCode("NoSuchKey") != CodeUnidentified || Code(250).String() != "Unidentified" {
		t.Error("unknown names and codes must read as Unidentified")
	}
}

func TestRuneKeysym(t *testing.T) {
	tests := []struct {
		r    rune
		want uint32
	}{
		{'a', 'a'}, {'A', 'A'}, {'~', '~'}, {'é', 0xe9}, {'ÿ', 0xff},
		{'Ж', 0x01000416}, {'€', 0x010020ac}, {'😀', 0x0101f600},
		{'\n', 0xff0d}, {'\t', 0xff09}, {'\b', 0xff08},
		{0x1b, 0}, {0x7f, 0}, {0x85, 0}, {utf8.RuneError, 0x0100fffd}, {0xd800, 0}, {-1, 0},
	}
	for _, tc := range tests {
		if got := RuneKeysym(tc.r); got != tc.want {
			t.Errorf("RuneKeysym(%U) = %#x, want %#x", tc.r, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range golden {
		f.Add(unhex(f, tc.hex))
	}
	f.Add([]byte{0x07, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Decode(b)
		if err != nil {
			return
		}
		if again := Encode(nil, ev); !bytes.Equal(again, b) {
			t.Fatalf("% x decodes to %+v, which encodes to % x", b, ev, again)
		}
	})
}

func BenchmarkEncodeDecode(b *testing.B) {
	buf := make([]byte, 0, 16)
	ev := Event{Type: PointerMove, Monitor: 1, X: 640, Y: 300}
	b.ReportAllocs()
	for b.Loop() {
		buf = Encode(buf[:0], ev)
		if _, err := Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}
