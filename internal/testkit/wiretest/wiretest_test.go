package wiretest

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestUndumpReadsHexDump: Undump is hex.Dump's inverse, across line ends
// and a short last line.
func TestUndumpReadsHexDump(t *testing.T) {
	want := make([]byte, 37)
	for i := range want {
		want[i] = byte(i*7 + 3)
	}
	if got := Undump(t, []byte(hex.Dump(want))); !bytes.Equal(got, want) {
		t.Fatalf("Undump(hex.Dump(x)) = % x, want % x", got, want)
	}
}
