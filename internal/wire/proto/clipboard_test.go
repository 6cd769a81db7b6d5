package proto

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitClipboard(t *testing.T) {
	for _, c := range []struct {
		name   string
		text   string
		pieces int
	}{
		{"empty", "", 1},
		{"short", "Bonjour, ça va ?", 1},
		{"exactly one piece", strings.Repeat("a", MaxClipboardPiece), 1},
		{"one byte over", strings.Repeat("a", MaxClipboardPiece+1), 2},
		{"multibyte at the cut", strings.Repeat("a", MaxClipboardPiece-1) + "Ж" + "b", 2},
		{"a megabyte of Cyrillic", strings.Repeat("Жёлтый ", MaxClipboard/len("Жёлтый ")), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := SplitClipboard(c.text)
			if c.pieces > 0 && len(ps) != c.pieces {
				t.Errorf("%d pieces, want %d", len(ps), c.pieces)
			}
			var j ClipboardJoiner
			for i, p := range ps {
				if len(p.Text) > MaxClipboardPiece || !utf8.ValidString(p.Text) {
					t.Fatalf("piece %d: %d bytes, valid UTF-8 %v", i, len(p.Text), utf8.ValidString(p.Text))
				}
				if p.More != (i < len(ps)-1) {
					t.Fatalf("piece %d of %d: More %v", i, len(ps), p.More)
				}
				b, err := Encode(TypeClipboard, p)
				if err != nil || len(b) > MaxMessageSize {
					t.Fatalf("piece %d encodes to %d bytes: %v", i, len(b), err)
				}
				got, done, err := j.Add(p)
				if err != nil || done != !p.More {
					t.Fatalf("piece %d: done %v, %v", i, done, err)
				}
				if done && got != c.text {
					t.Fatalf("joined %d bytes, want the %d sent", len(got), len(c.text))
				}
			}
		})
	}
}

// TestClipboardJoinerTooLarge: a text over the limit is dropped whole,
// said once, and the next text joins as usual.
func TestClipboardJoinerTooLarge(t *testing.T) {
	var j ClipboardJoiner
	big := SplitClipboard(strings.Repeat("x", MaxClipboard+1))
	for i, p := range big {
		_, done, err := j.Add(p)
		last := i == len(big)-1
		if done || (err != nil) != last {
			t.Fatalf("piece %d of %d: done %v, err %v", i, len(big), done, err)
		}
		if last && !errors.Is(err, ErrClipboardTooLarge) {
			t.Fatalf("last piece: %v", err)
		}
	}
	if got, done, err := j.Add(Clipboard{Text: "next"}); got != "next" || !done || err != nil {
		t.Errorf("after a dropped text: %q %v %v", got, done, err)
	}
}

// FuzzClipboardPieces: whatever pieces arrive, the joiner never keeps
// more than MaxClipboard and returns exactly what it was given.
func FuzzClipboardPieces(f *testing.F) {
	f.Add("abc", uint16(3), true)
	f.Add("Жёлтый", uint16(1), false)
	f.Fuzz(func(t *testing.T, s string, n uint16, more bool) {
		var j ClipboardJoiner
		var want strings.Builder
		for range int(n % 300) {
			if _, done, err := j.Add(Clipboard{Text: s, More: true}); done || err != nil {
				t.Fatalf("a middle piece ended the text: %v %v", done, err)
			}
			want.WriteString(s)
		}
		want.WriteString(s)
		got, done, err := j.Add(Clipboard{Text: s, More: more})
		switch {
		case more:
			if done || err != nil {
				t.Fatalf("a piece with More ended the text")
			}
		case want.Len() > MaxClipboard:
			if !errors.Is(err, ErrClipboardTooLarge) || done {
				t.Fatalf("%d bytes joined: %v %v", want.Len(), done, err)
			}
		case !done || err != nil || got != want.String():
			t.Fatalf("joined %d bytes (%v %v), want %d", len(got), done, err, want.Len())
		}
	})
}
