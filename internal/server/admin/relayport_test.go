package admin

import (
	"strings"
	"testing"
)

// TestCLIRelayPort: user relay-port assigns, shows and clears an
// account's relay port, audited; bad ports are usage errors.
func TestCLIRelayPort(t *testing.T) {
	e := newCLIEnv(t)
	e.ok(pw+"\n", "user", "add", "op1")
	e.ok("", "user", "relay-port", "op1", "3479")
	if out := e.ok("", "user", "show", "op1"); !strings.Contains(out, "relay port: 3479") {
		t.Errorf("user show: %q", out)
	}
	for _, bad := range []string{"0", "65536", "x"} {
		if code, out := e.run("", "user", "relay-port", "op1", bad); code != 1 {
			t.Errorf("relay-port %s: exit %d, want 1: %s", bad, code, out)
		}
	}
	if code, _ := e.run("", "user", "relay-port", "nobody", "3479"); code != 1 {
		t.Errorf("relay-port of an unknown account: exit %d, want 1", code)
	}
	e.ok("", "user", "relay-port", "op1", "none")
	if out := e.ok("", "user", "show", "op1"); strings.Contains(out, "relay port") {
		t.Errorf("user show after none: %q", out)
	}
	if audit := e.ok("", "audit", "list"); strings.Count(audit, "admin.relay-port-set") != 2 {
		t.Errorf("audit: %q", audit)
	}
}
