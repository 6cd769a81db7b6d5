package console

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestKeyTable: web/keys.js lists the input channel's key table exactly
// as internal/link/input/testdata/wire/keys.txt (the wire's golden) does:
// every code at its index, with its US keysym.
func TestKeyTable(t *testing.T) {
	golden, err := os.ReadFile("../../link/input/testdata/wire/keys.txt")
	if err != nil {
		t.Fatal(err)
	}
	var names, syms []string
	for _, line := range strings.Split(strings.TrimSpace(string(golden)), "\n")[1:] {
		f := strings.Fields(line)
		names = append(names, "'"+f[1]+"'")
		syms = append(syms, f[2])
	}
	js, err := webFS.ReadFile("web/keys.js")
	if err != nil {
		t.Fatal(err)
	}
	list := func(name string) []string {
		m := regexp.MustCompile(`(?s)export const ` + name + ` = \[(.*?)\];`).FindSubmatch(js)
		if m == nil {
			t.Fatalf("keys.js has no %s", name)
		}
		return strings.Fields(strings.ReplaceAll(string(m[1]), ",", " "))
	}
	if got := list("codes"); !slices.Equal(got, names) {
		t.Errorf("keys.js codes:\n%v\nkeys.txt:\n%v", got, names)
	}
	if got := list("usKeysyms"); !slices.Equal(got, syms) {
		t.Errorf("keys.js usKeysyms:\n%v\nkeys.txt:\n%v", got, syms)
	}
}
