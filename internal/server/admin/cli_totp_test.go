package admin

import (
	"strings"
	"testing"
)

// TestCLITOTP: enroll prints an otpauth URI once (and refuses nothing
// while unconfirmed), require/unrequire and reset work and are audited.
func TestCLITOTP(t *testing.T) {
	e := newCLIEnv(t)
	e.ok(pw+"\n", "user", "add", "op1")
	e.ok("", "group", "add", "desk")
	if out := e.ok("", "totp", "enroll", "op1"); !strings.Contains(out, "otpauth://totp/Tandem:op1?") {
		t.Errorf("totp enroll: %q", out)
	}
	e.ok("", "totp", "require", "group", "desk")
	e.ok("", "totp", "unrequire", "group", "desk")
	e.ok("", "totp", "reset", "op1")
	for _, bad := range [][]string{{"totp", "enroll", "nobody"}, {"totp", "reset", "op1"}, {"totp", "require", "group", "nope"}} {
		if code, out := e.run("", bad...); code != 1 {
			t.Errorf("%v: exit %d, want 1: %s", bad, code, out)
		}
	}
	audit := e.ok("", "audit", "list")
	for _, k := range []string{"auth.totp-enrolled", "admin.totp-required", "auth.totp-reset"} {
		if !strings.Contains(audit, k) {
			t.Errorf("audit lacks %s", k)
		}
	}
	if strings.Count(e.ok("", "audit", "list"), "secret=") != 0 {
		t.Error("the audit log shows a TOTP secret")
	}
}
