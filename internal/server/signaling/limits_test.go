package signaling

import (
	"strings"
	"testing"
)

// TestMaxConnsFor: the default bound shrinks to what the open-files limit
// holds and says so; an explicit bound beyond the limit is kept with a
// warning saying what to raise; one within it says nothing.
func TestMaxConnsFor(t *testing.T) {
	limit, ok := openFilesLimit()
	if !ok {
		t.Skip("no open-files limit on this system")
	}
	if got, said := maxConnsFor(int(limit)); got != int(limit) || !strings.Contains(said, "WARNING") || !strings.Contains(said, "LimitNOFILE") {
		t.Errorf("-max-conns at the limit: %d %q, want it kept with a warning naming LimitNOFILE", got, said)
	}
	if limit > fdHeadroom+10 {
		want := int(limit) - fdHeadroom - 10
		if got, said := maxConnsFor(want); got != want || said != "" {
			t.Errorf("-max-conns well under the limit: %d %q", got, said)
		}
	}
	got, said := maxConnsFor(0)
	switch {
	case limit >= DefaultMaxConns+fdHeadroom && (got != DefaultMaxConns || said != ""):
		t.Errorf("default under a high limit: %d %q", got, said)
	case limit < DefaultMaxConns+fdHeadroom && (got != int(limit)-fdHeadroom || !strings.Contains(said, "raise the limit")):
		t.Errorf("default under a limit of %d: %d %q", limit, got, said)
	}
}
