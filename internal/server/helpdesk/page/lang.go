package page

import (
	"net/http"
	"strconv"
	"strings"
)

// languages are the page's languages; the first is the default.
var languages = []string{"en", "fr"}

// language picks the page's language for r: ?lang= when it names one of
// ours, else the Accept-Language header's best match.
func language(r *http.Request) string {
	if l := strings.ToLower(r.URL.Query().Get("lang")); supported(l) {
		return l
	}
	return negotiate(r.Header.Get("Accept-Language"))
}

// negotiate returns the supported language the header prefers most (its
// highest q-value; the first listed on a tie), or the default. "fr-CA"
// counts as "fr"; "*" stands for the default; q=0 refuses a language.
func negotiate(header string) string {
	best, bestQ := languages[0], 0.0
	for _, part := range strings.Split(header, ",") {
		tag, q, ok := parseRange(part)
		if !ok {
			continue
		}
		if tag == "*" {
			tag = languages[0]
		}
		if supported(tag) && q > bestQ {
			best, bestQ = tag, q
		}
	}
	return best
}

// parseRange reads one Accept-Language entry, "fr-CH;q=0.8", into its
// primary subtag and q-value (1 when absent).
func parseRange(part string) (tag string, q float64, ok bool) {
	fields := strings.Split(part, ";")
	tag = strings.ToLower(strings.TrimSpace(fields[0]))
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		tag = tag[:i]
	}
	if tag == "" {
		return "", 0, false
	}
	q = 1
	for _, f := range fields[1:] {
		k, v, found := strings.Cut(strings.TrimSpace(f), "=")
		if !found || strings.TrimSpace(k) != "q" {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || n < 0 || n > 1 {
			return "", 0, false
		}
		q = n
	}
	return tag, q, true
}

func supported(l string) bool {
	for _, s := range languages {
		if l == s {
			return true
		}
	}
	return false
}
