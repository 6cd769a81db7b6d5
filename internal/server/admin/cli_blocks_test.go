package admin

import (
	"strings"
	"testing"
)

// TestCLIBlocks: block add, list and remove on the database, each audited.
func TestCLIBlocks(t *testing.T) {
	e := newCLIEnv(t)
	if out := e.ok("", "block", "add", "-permanent", "-reason", "abuse", "198.51.100.7"); !strings.Contains(out, "block 1: 198.51.100.7/32 refused permanently") {
		t.Errorf("block add: %q", out)
	}
	if out := e.ok("", "block", "add", "-for", "2h", "2001:db8::/48"); !strings.Contains(out, "block 2: 2001:db8::/48 refused until") {
		t.Errorf("block add -for: %q", out)
	}
	out := e.ok("", "block", "list")
	if !strings.Contains(out, "198.51.100.7 ") || !strings.Contains(out, "permanent") || !strings.Contains(out, "2001:db8::/48") {
		t.Errorf("block list: %q", out)
	}
	for _, bad := range [][]string{
		{"block", "add", "not-an-address"},
		{"block", "add", "0.0.0.0/0"},
		{"block", "add", "-for", "1h", "-permanent", "192.0.2.1"},
		{"block", "remove", "99"},
	} {
		if code, out := e.run("", bad...); code != 1 {
			t.Errorf("%v: exit %d, want 1: %s", bad, code, out)
		}
	}
	if code, _ := e.run("", "block", "remove", "x"); code != 2 {
		t.Errorf("block remove x: exit %d, want 2", code)
	}
	e.ok("", "block", "remove", "1")
	if out := e.ok("", "block", "list"); strings.Contains(out, "198.51.100.7") {
		t.Errorf("removed block still listed: %q", out)
	}
	audit := e.ok("", "audit", "list")
	if strings.Count(audit, "customer.blocked") != 2 || strings.Count(audit, "customer.unblocked") != 1 {
		t.Errorf("audit: %q", audit)
	}
}
