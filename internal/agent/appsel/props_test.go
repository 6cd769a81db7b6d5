package appsel

import (
	"testing"
	"unicode/utf8"
)

func TestClassPart(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"xterm\x00XTerm\x00", "XTerm"},
		{"navigator\x00Firefox", "Firefox"},
		{"lonely\x00", "lonely"},
		{"", ""},
		{"a\x00b\xff\x00", "b\uFFFD"},
	} {
		if got := classPart([]byte(tc.in)); got != tc.want {
			t.Errorf("classPart(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLatin1(t *testing.T) {
	if got := latin1([]byte("caf\xe9")); got != "café" {
		t.Errorf("latin1 = %q, want café", got)
	}
}

func FuzzProps(f *testing.F) {
	f.Add([]byte("xterm\x00XTerm\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, s := range []string{classPart(b), latin1(b), validUTF8(b)} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q from %q", s, b)
			}
		}
	})
}
