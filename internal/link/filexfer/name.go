package filexfer

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest file name accepted, in bytes. File systems
// allow 255; the rest is kept for the partial file's prefix and suffix.
const MaxNameLen = 200

// partialSuffix ends the name of every file still being received. Offered
// names may not end with it, so an offer can never pose as a partial.
const partialSuffix = ".tandem-partial"

// PartialPattern matches (as filepath.Match) the names of the unfinished
// files that interrupted transfers leave for a resume.
const PartialPattern = ".*" + partialSuffix

// ErrBadName is wrapped by every error Sanitize returns.
var ErrBadName = errors.New("bad file name")

// reserved are the device names Windows resolves whatever the extension
// ("nul.txt" is NUL too).
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true,
	"COM7": true, "COM8": true, "COM9": true, "COM¹": true, "COM²": true, "COM³": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true,
	"LPT7": true, "LPT8": true, "LPT9": true, "LPT¹": true, "LPT²": true, "LPT³": true,
}

// Sanitize returns name unchanged if it is a plain file name that is safe to
// create in a directory on any of the systems Tandem runs on, or an error
// wrapping ErrBadName that says what is wrong with it. Nothing is rewritten:
// a name is accepted as the sender wrote it or refused.
func Sanitize(name string) (string, error) {
	if msg := nameProblem(name); msg != "" {
		return "", fmt.Errorf("%w: file name %s; only a plain file name is accepted", ErrBadName, msg)
	}
	return name, nil
}

// nameProblem says what is wrong with name, or "" if nothing is.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "is empty"
	case name == "." || name == "..":
		return fmt.Sprintf("%q refers to a directory", name)
	case len(name) > MaxNameLen:
		return fmt.Sprintf("is %d bytes long, more than %d", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return "is not valid UTF-8"
	case strings.ContainsAny(name, `/\`):
		return "contains a path separator"
	case strings.Contains(name, ":"):
		return "contains a colon (a drive letter or a stream name)"
	case strings.ContainsAny(name, `<>"|?*`):
		return `contains one of the characters < > " | ? * that Windows forbids`
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return "ends with a dot or a space, which Windows drops"
	case strings.HasSuffix(name, partialSuffix):
		return "ends with " + partialSuffix + ", which Tandem keeps for unfinished files"
	}
	for _, r := range name {
		if msg := runeProblem(r); msg != "" {
			return msg
		}
	}
	if reserved[reservedStem(name)] {
		return fmt.Sprintf("%q is a device name reserved by Windows", name)
	}
	return ""
}

// runeProblem says why r may not appear in a name or a requested path, or
// "" if it may. Refused are the characters that change how the rest reads
// without being seen: controls, text direction controls (U+202E makes
// "gpj.exe" read "exe.jpg"), format characters (category Cf: zero-width
// spaces and joiners, soft hyphens, tags), line and paragraph separators,
// the fillers Unicode says to draw as nothing, and variation selectors
// (category Mn, so not among the format characters: "report\uFE0F.pdf"
// reads "report.pdf"). The emoji selector U+FE0F goes too: a name is
// simpler to trust when nothing in it is unseen.
func runeProblem(r rune) string {
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("contains the control character %U", r)
	case unicode.Is(unicode.Bidi_Control, r):
		return fmt.Sprintf("contains the text direction control %s, which can disguise its extension", runeName(r))
	case r == utf8.RuneError:
		return "contains an invalid character"
	case unicode.Is(unicode.Variation_Selector, r):
		return fmt.Sprintf("contains the invisible variation selector %s", runeName(r))
	case unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point):
		return fmt.Sprintf("contains the invisible character %s", runeName(r))
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return fmt.Sprintf("contains the line break %s", runeName(r))
	}
	return ""
}

// invisibleNames names the invisible characters seen most in disguised
// names; the others are named by code point alone.
var invisibleNames = map[rune]string{
	0x00AD: "SOFT HYPHEN", 0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER",
	0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER",
	0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
	0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
}

// mongolianSelectors names U+180B-U+180D and U+180F.
var mongolianSelectors = [...]string{"ONE", "TWO", "THREE", "", "FOUR"}

// runeName is "U+200B (ZERO WIDTH SPACE)", or "U+E0041" for one without a
// name here.
func runeName(r rune) string {
	if n, ok := invisibleNames[r]; ok {
		return fmt.Sprintf("%U (%s)", r, n)
	}
	switch {
	case r >= 0xFE00 && r <= 0xFE0F:
		return fmt.Sprintf("%U (VARIATION SELECTOR-%d)", r, r-0xFE00+1)
	case r >= 0xE0100 && r <= 0xE01EF:
		return fmt.Sprintf("%U (VARIATION SELECTOR-%d)", r, r-0xE0100+17)
	case r >= 0x180B && r <= 0x180F && r != 0x180E:
		return fmt.Sprintf("%U (MONGOLIAN FREE VARIATION SELECTOR %s)", r, mongolianSelectors[r-0x180B])
	}
	return fmt.Sprintf("%U", r)
}

// reservedStem is the part of name Windows matches against its device
// names: up to the first dot, trailing spaces dropped, upper case.
func reservedStem(name string) string {
	stem, _, _ := strings.Cut(name, ".")
	return strings.ToUpper(strings.TrimRight(stem, " "))
}
