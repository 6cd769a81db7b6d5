package filexfer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct {
		name, in, why string // why: part of the error, "" if accepted
	}{
		{"plain", "report.pdf", ""},
		{"spaces and unicode", "Relevé de compte 2026.pdf", ""},
		{"hidden", ".profile", ""},
		{"no extension", "README", ""},
		{"max length", strings.Repeat("a", MaxNameLen), ""},
		{"dot dot slash", "../x", "path separator"},
		{"absolute", "/etc/passwd", "path separator"},
		{"backslash", `..\x`, "path separator"},
		{"drive letter", `C:\x`, "path separator"},
		{"drive relative", "C:x", "colon"},
		{"stream", "a.txt:secret", "colon"},
		{"CON", "CON", "reserved by Windows"},
		{"con lower", "con", "reserved by Windows"},
		{"nul with extension", "nul.txt", "reserved by Windows"},
		{"COM1 with extension", "COM1.tar.gz", "reserved by Windows"},
		{"LPT9", "lpt9", "reserved by Windows"},
		{"reserved with space", "AUX .txt", "reserved by Windows"},
		{"not reserved", "CONSOLE.txt", ""},
		{"NUL byte", "a\x00b", "control character"},
		{"escape", "\x1b[31mred", "control character"},
		{"newline", "a\nb", "control character"},
		{"DEL", "a\x7fb", "control character"},
		{"C1 control", "a\u0085b", "control character"},
		{"too long", strings.Repeat("a", MaxNameLen+1), "bytes long"},
		{"dot", ".", "refers to a directory"},
		{"dot dot", "..", "refers to a directory"},
		{"empty", "", "is empty"},
		{"trailing dot", "file.", "ends with a dot or a space"},
		{"trailing space", "file.txt ", "ends with a dot or a space"},
		{"RTL override", "invoice\u202Efdp.exe", "text direction control"},
		{"RTL isolate", "a\u2067b.txt", "text direction control"},
		{"invalid UTF-8", "a\xffb", "not valid UTF-8"},
		{"zero width space", "invoice\u200B.pdf", "invisible character U+200B (ZERO WIDTH SPACE)"},
		{"zero width joiner", "a\u200Db.txt", "invisible character U+200D"},
		{"byte order mark", "\uFEFFreport.pdf", "invisible character U+FEFF"},
		{"soft hyphen", "in\u00ADvoice.pdf", "invisible character U+00AD"},
		{"word joiner", "a\u2060.txt", "invisible character U+2060"},
		{"hangul filler", "\u3164.txt", "invisible character U+3164"},
		{"tag", "a\U000E0041.txt", "invisible character U+E0041"},
		{"left-to-right mark", "a\u200E.txt", "text direction control U+200E"},
		{"line separator", "a\u2028b.txt", "line break U+2028"},
		{"paragraph separator", "a\u2029b.txt", "line break U+2029"},
		{"emoji", "café ☕.txt", ""},
		{"variation selector 16", "report\uFE0F.pdf", "variation selector U+FE0F (VARIATION SELECTOR-16)"},
		{"variation selector 1", "a\uFE00.txt", "variation selector U+FE00 (VARIATION SELECTOR-1)"},
		{"emoji presentation", "café ☕\uFE0F.txt", "variation selector U+FE0F"},
		{"ideographic variation selector", "a\U000E0100.txt", "variation selector U+E0100 (VARIATION SELECTOR-17)"},
		{"last variation selector", "a\U000E01EF.txt", "variation selector U+E01EF (VARIATION SELECTOR-256)"},
		{"mongolian variation selector", "a\u180B.txt", "variation selector U+180B (MONGOLIAN FREE VARIATION SELECTOR ONE)"},
		{"mongolian variation selector four", "a\u180F.txt", "variation selector U+180F (MONGOLIAN FREE VARIATION SELECTOR FOUR)"},
		{"windows forbidden", "what?.txt", "Windows forbids"},
		{"partial suffix", "x.tandem-partial", "unfinished files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sanitize(tc.in)
			if tc.why == "" {
				if err != nil || got != tc.in {
					t.Fatalf("Sanitize(%q) = %q, %v; want it accepted unchanged", tc.in, got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Sanitize(%q) accepted it; want an error about %q", tc.in, tc.why)
			}
			if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Sanitize(%q) error %q; want ErrBadName saying %q", tc.in, err, tc.why)
			}
			if !strings.Contains(err.Error(), "only a plain file name is accepted") {
				t.Fatalf("error %q does not say what is accepted", err)
			}
		})
	}
}

func TestNumbered(t *testing.T) {
	for _, tc := range []struct {
		in   string
		i    int
		want string
	}{
		{"a.txt", 0, "a.txt"},
		{"a.txt", 1, "a (1).txt"},
		{"archive.tar.gz", 2, "archive.tar (2).gz"},
		{"README", 3, "README (3)"},
		{".profile", 1, ".profile (1)"},
	} {
		if got := numbered(tc.in, tc.i); got != tc.want {
			t.Errorf("numbered(%q, %d) = %q, want %q", tc.in, tc.i, got, tc.want)
		}
	}
}

// FuzzSanitize checks that an accepted name, joined to a folder, always
// names an entry directly in that folder and is printable.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", `C:\x`, "nul.txt", "a\x00b", "\u202Etxt.exe", "..", " ", "a\u200Bb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := Sanitize(name)
		if err != nil {
			return
		}
		dir := filepath.FromSlash("/dest")
		if p := filepath.Join(dir, got); filepath.Dir(p) != dir || filepath.Base(p) != got {
			t.Fatalf("accepted %q escapes or is rewritten: %q", name, p)
		}
		for _, r := range got {
			if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
				t.Fatalf("accepted %q holds %U", name, r)
			}
		}
	})
}
