package signaling

import (
	"strings"
	"testing"
)

// TestOpenFilesWarning: a -max-conns the process cannot open files for
// is said at start, with what to change; one it can is not.
func TestOpenFilesWarning(t *testing.T) {
	limit, ok := openFilesLimit()
	if !ok {
		t.Skip("no open-files limit on this system")
	}
	if w := openFilesWarning(int(limit)); !strings.Contains(w, "LimitNOFILE") || !strings.Contains(w, "-max-conns") {
		t.Errorf("max-conns at the limit: %q, want a warning naming LimitNOFILE", w)
	}
	if limit > fdHeadroom+10 {
		if w := openFilesWarning(int(limit) - fdHeadroom - 10); w != "" {
			t.Errorf("max-conns well under the limit: %q", w)
		}
	}
}
