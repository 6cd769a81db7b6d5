// Package wiretest is a test kit: the golden files that pin docs/wire.md.
// A package's TestWireSpec* tests encode each message, compare it with
// testdata/wire/NAME through Golden, and decode the file back (Undump for
// binary messages kept as hex dumps). "go test -run TestWireSpec -update"
// rewrites the files; the test package defines the -update flag itself
// (flag.Bool("update", …)), since several of them already had one.
package wiretest

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Update reports whether the test binary was run with -update.
func Update() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Golden compares got with testdata/wire/name (rewritten first under
// -update) and returns the file's bytes.
func Golden(t testing.TB, name string, got []byte) []byte {
	t.Helper()
	path := filepath.Join("testdata", "wire", name)
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestWireSpec -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed: this is a wire change; update docs/wire.md, then run go test -update\n got:\n%s\nwant:\n%s", path, got, want)
	}
	return want
}

// Undump reads back a hex.Dump: the hex columns of each line.
func Undump(t testing.TB, dump []byte) []byte {
	t.Helper()
	var out []byte
	for line := range strings.Lines(string(dump)) {
		if len(line) < 10 {
			continue
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(line[10:min(len(line), 59)]), ""))
		if err != nil {
			t.Fatalf("golden hex dump: %v", err)
		}
		out = append(out, b...)
	}
	return out
}
