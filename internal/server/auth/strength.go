package auth

import (
	_ "embed"
	"math"
	"strings"
	"sync"
	"unicode"
)

// blocklistText is a list of common and breached passwords shipped inside
// the binary, so that checking one never leaves the server.
//
//go:embed blocklist.txt
var blocklistText string

var blocklist = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(blocklistText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
})

// unleet undoes the substitutions people use to dress up a common word.
var unleet = strings.NewReplacer("0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s", "!", "i")

// Blocklisted reports whether password, ignoring case and common
// substitutions, is on the shipped blocklist.
func Blocklisted(password string) bool {
	low := strings.ToLower(password)
	bl := blocklist()
	return bl[low] || bl[unleet.Replace(low)] || bl[strings.TrimRight(low, "0123456789!.?")]
}

// keyboards are key rows, each staggered half a key right of the one
// above; walking to a neighbouring key adds little.
var keyboards = [][]string{
	{"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"},
	{"1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn,;:!"},
}

// Strength estimates a password's guessing entropy in bits. It is simple,
// in the spirit of zxcvbn without its dictionaries: each character is worth
// log2 of the alphabet the password draws from, except characters that
// repeat or continue a sequence or keyboard walk (worth 1 bit), and a
// common word (4+ letters, from the blocklist) which is worth only the
// bits needed to pick it from the list. It errs low, never high.
func Strength(password string) float64 {
	rs := []rune(strings.ToLower(password))
	if len(rs) == 0 {
		return 0
	}
	perChar := math.Log2(float64(alphabet(password)))
	wordBits := math.Log2(float64(len(blocklist()))) + 1
	covered := commonWords(string(rs))
	bits := 0.0
	for i, r := range rs {
		switch {
		case covered[i] == 1:
			bits += wordBits // the first letter of a common word carries its cost
		case covered[i] == 2:
		case i > 0 && predictable(rs[i-1], r):
			bits++
		case i >= 3 && strings.Contains(string(rs[:i]), string(rs[i-3:i+1])):
			bits++ // repeats an earlier 4-character run
		default:
			bits += perChar
		}
	}
	return bits
}

// alphabet is the size of the character classes password uses.
func alphabet(password string) int {
	var lower, upper, digit, symbol, other bool
	for _, r := range password {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 128 && unicode.IsPrint(r):
			symbol = true
		default:
			other = true
		}
	}
	n := 0
	for _, c := range []struct {
		on   bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.on {
			n += c.size
		}
	}
	return n
}

// predictable reports whether b follows a as a repeat, an alphabetical or
// numeric step, or a neighbouring key.
func predictable(a, b rune) bool {
	if a == b || b == a+1 || b == a-1 {
		return true
	}
	for _, kb := range keyboards {
		ra, ca := keyAt(kb, a)
		rb, cb := keyAt(kb, b)
		if ra < 0 || rb < 0 {
			continue
		}
		switch dr, dc := rb-ra, cb-ca; {
		case dr == 0 && (dc == 1 || dc == -1),
			dr == 1 && (dc == 0 || dc == -1),
			dr == -1 && (dc == 0 || dc == 1):
			return true
		}
	}
	return false
}

func keyAt(kb []string, r rune) (row, col int) {
	for i, keys := range kb {
		if j := strings.IndexRune(keys, r); j >= 0 {
			return i, j
		}
	}
	return -1, -1
}

// commonWords marks, per rune of low, 1 where a blocklisted word of 4 or
// more letters starts and 2 on the rest of it, taking the longest match at
// each position (after undoing substitutions).
func commonWords(low string) []byte {
	rs := []rune(unleet.Replace(low))
	marks := make([]byte, len(rs))
	bl := blocklist()
	for i := 0; i < len(rs); {
		best := 0
		for j := min(len(rs), i+32); j >= i+4; j-- {
			if bl[string(rs[i:j])] {
				best = j - i
				break
			}
		}
		if best == 0 {
			i++
			continue
		}
		marks[i] = 1
		for k := i + 1; k < i+best; k++ {
			marks[k] = 2
		}
		i += best
	}
	return marks
}
