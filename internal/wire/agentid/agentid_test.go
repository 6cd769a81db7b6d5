package agentid

import (
	"os"
	"strings"
	"testing"
)

// TestDeriveGolden pins the derivation (the value was computed apart, with
// Python's hashlib): a change would make every block by identity miss the
// computers it was made for.
func TestDeriveGolden(t *testing.T) {
	const mid = "4c4c4544003910208052b4c04f4d3332"
	got := Derive("https://help.example.com:8443", mid)
	if want := "NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"; got != want {
		t.Errorf("Derive = %q, want %q", got, want)
	}
	if !Valid(got) {
		t.Errorf("%q is not Valid", got)
	}
	for _, same := range []string{"https://HELP.example.com:8443/", "https://help.example.com:8443/s/123456789"} {
		if Derive(same, mid) != got {
			t.Errorf("%s gives another identity", same)
		}
	}
	for _, other := range []struct{ url, mid string }{
		{"https://help.example.com", mid},         // another port: another server
		{"https://help.example.org:8443", mid},    // another server
		{"https://help.example.com:8443", "4c4c"}, // another computer
	} {
		if Derive(other.url, other.mid) == got {
			t.Errorf("%s %s gives the same identity", other.url, other.mid)
		}
	}
	if strings.Contains(got, mid) {
		t.Error("the identity shows the machine ID")
	}
}

func TestFor(t *testing.T) {
	saved := machineIDFiles
	defer func() { machineIDFiles = saved }()
	dir := t.TempDir()
	machineIDFiles = []string{dir + "/none", dir + "/mid"}
	if id := For("https://h"); id != "" {
		t.Errorf("no machine ID: %q", id)
	}
	writeFile(t, dir+"/mid", "abc\n")
	if id := For("https://h"); id != Derive("https://h", "abc") {
		t.Errorf("For = %q", id)
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		Derive("https://h", "x"): true,
		"":                       false,
		strings.Repeat("A", 42):  false,
		strings.Repeat("A", 44):  false,
		strings.Repeat("+", Len): false,
		strings.Repeat("_", Len): false, // not canonical: the last character carries spare bits
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}

func writeFile(t *testing.T, name, s string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
