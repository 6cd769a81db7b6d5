package admin

import (
	"strings"
	"testing"
)

// TestCLIKeys: key add prints the secret once, list shows owner and scope
// but no secret, revoke marks it; operators' keys are limited to blocks.
func TestCLIKeys(t *testing.T) {
	e := newCLIEnv(t)
	e.ok(pw+"\n", "user", "add", "-admin", "root")
	e.ok(pw+"\n", "user", "add", "op1")
	out := e.ok("", "key", "add", "-scope", "admin:read", "-for", "48h", "root", "monitoring")
	if !strings.Contains(out, "tdmk_") {
		t.Fatalf("key add: %q", out)
	}
	secret := out[strings.Index(out, "tdmk_"):]
	secret = strings.TrimSpace(secret)
	if code, out := e.run("", "key", "add", "-scope", "admin:write", "op1", "x"); code != 1 {
		t.Errorf("operator key with admin scope: exit %d: %s", code, out)
	}
	list := e.ok("", "key", "list")
	if !strings.Contains(list, "root") || !strings.Contains(list, "admin:read") || strings.Contains(list, secret) {
		t.Errorf("key list: %q", list)
	}
	id := strings.Fields(list)[0]
	e.ok("", "key", "revoke", id)
	if list := e.ok("", "key", "list"); !strings.Contains(list, "revoked") {
		t.Errorf("after revoke: %q", list)
	}
	if audit := e.ok("", "audit", "list"); !strings.Contains(audit, "apikey.created") || !strings.Contains(audit, "apikey.revoked") || strings.Contains(audit, secret) {
		t.Errorf("audit: %q", audit)
	}
}
