package stamp

import (
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden pins a stamp's bytes (Ed25519 signatures are deterministic):
// an agent built today must read the stamps a later server writes, and
// the payload's JSON names are part of that.
func TestGolden(t *testing.T) {
	trailer, err := Trailer(testPayload(), testKey())
	if err != nil {
		t.Fatal(err)
	}
	got := hex.Dump(trailer)
	golden := filepath.Join("testdata", "trailer.golden")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Errorf("the stamp changed:\n%s\nwant:\n%s", got, want)
	}
	p, err := decodeBytes(trailer)
	if err != nil || p.Ticket != testPayload().Ticket {
		t.Errorf("the golden stamp reads as %+v, %v", p, err)
	}
}
