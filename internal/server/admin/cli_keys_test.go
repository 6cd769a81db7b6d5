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

// TestCLIKeyHelp: `key -h` says, from the access table, what each scope
// covers and that login changes take no key.
func TestCLIKeyHelp(t *testing.T) {
	e := newCLIEnv(t)
	out := e.ok("", "key", "-h")
	for _, want := range []string{
		"login only   admins  POST /v1/admin/accounts                       create accounts",
		"admin:write  admins  PUT /v1/admin/permissions",
		"admin:read   admins  GET /v1/admin/audit",
		"blocks       all     POST /v1/blocks",
		"login only   all     POST /v1/keys",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("key -h lacks %q:\n%s", want, out)
		}
	}
}
