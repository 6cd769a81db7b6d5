package signaling

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// authClock is the login service's injected clock.
type authClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *authClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *authClock) step()          { c.mu.Lock(); c.now = c.now.Add(30 * time.Second); c.mu.Unlock() }

func (s *server) loginTOTP(id, password, code string) error {
	_, err := login.LoginTOTP(context.Background(), s.hc, s.base, id, password, code)
	return err
}

// enroll asks the server for id's TOTP URI and returns the secret in it.
func (s *server) enroll(token string) string {
	s.t.Helper()
	code, b := s.do("POST", "/v1/totp/enroll", token, nil)
	var r struct {
		URI string `json:"otpauth_uri"`
	}
	if code != 200 || json.Unmarshal(b, &r) != nil || !strings.HasPrefix(r.URI, "otpauth://totp/") {
		s.t.Fatalf("enroll: %d %s", code, b)
	}
	key, err := otp.NewKeyFromURL(r.URI)
	if err != nil {
		s.t.Fatal(err)
	}
	return key.Secret()
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTP: an operator enrolls and confirms TOTP; login then needs a
// fresh code: a missing, wrong or replayed one fails exactly like a wrong
// password and counts toward the three tries. An administrator's
// requirement on a group binds its members; the secret is in no row or
// response after enrollment.
func TestTOTP(t *testing.T) {
	clock := &authClock{now: time.Now().Truncate(30 * time.Second).Add(5 * time.Second)}
	s := startServer(t, t.TempDir(), func(o *Options) { o.Auth.Now, o.Auth.SourceBurst = clock.Now, 20 })
	s.setup()
	root := s.mustLogin("root", adminPassword)
	for _, id := range []string{"op1", "op2"} {
		s.do("POST", "/v1/admin/accounts", root, map[string]string{"id": id, "kind": "operator", "password": opPassword})
	}
	op1 := s.mustLogin("op1", opPassword)
	secret := s.enroll(op1)
	if code, _ := s.do("POST", "/v1/totp/confirm", op1, map[string]string{"code": "000000"}); code != 400 {
		t.Fatalf("confirm with a wrong code: %d, want 400", code)
	}
	first := codeAt(t, secret, clock.Now())
	if code, b := s.do("POST", "/v1/totp/confirm", op1, map[string]string{"code": first}); code != 204 {
		t.Fatalf("confirm: %d %s", code, b)
	}
	if code, _ := s.do("POST", "/v1/totp/enroll", op1, nil); code != 400 {
		t.Errorf("re-enrollment over a confirmed factor: %d, want 400", code)
	}

	_, wrongPassword := s.login("op1", "not the password at all 42")
	if wrongPassword == nil {
		t.Fatal("wrong password accepted")
	}
	s.do("POST", "/v1/admin/accounts/op1/unlock", root, nil)
	mustFail := func(what, code string) {
		t.Helper()
		err := s.loginTOTP("op1", opPassword, code)
		if !errors.Is(err, login.ErrLoginFailed) || err.Error() != wrongPassword.Error() {
			t.Fatalf("login with %s: %v, want the wrong-password failure %v", what, err, wrongPassword)
		}
	}
	mustFail("the code used to confirm (replay)", first)
	clock.step()
	if err := s.loginTOTP("op1", opPassword, codeAt(t, secret, clock.Now())); err != nil {
		t.Fatalf("login with a fresh code: %v", err)
	}
	mustFail("the same code again (replay)", codeAt(t, secret, clock.Now()))
	mustFail("no code", "")
	mustFail("a wrong code", "12345x")
	clock.step()
	mustFail("a right code while blocked by three tries", codeAt(t, secret, clock.Now()))
	s.do("POST", "/v1/admin/accounts/op1/unlock", root, nil)
	clock.step()
	if err := s.loginTOTP("op1", opPassword, codeAt(t, secret, clock.Now().Add(-30*time.Second))); err != nil {
		t.Fatalf("login with the previous step's code (clock skew): %v", err)
	}

	// Required of a group: op2, not enrolled, is refused; after enrolling
	// (without confirming) the first login with a code confirms it.
	s.do("POST", "/v1/admin/groups", root, map[string]string{"name": "desk"})
	s.do("PUT", "/v1/admin/groups/desk/members/op2", root, nil)
	op2 := s.mustLogin("op2", opPassword)
	secret2 := s.enroll(op2)
	if code, b := s.do("PUT", "/v1/admin/totp-required", root, map[string]any{"subject_kind": "group", "subject": "desk", "required": true}); code != 204 {
		t.Fatalf("require TOTP: %d %s", code, b)
	}
	if _, err := s.login("op2", opPassword); !errors.Is(err, login.ErrLoginFailed) {
		t.Fatalf("op2 logged in without a code where TOTP is required: %v", err)
	}
	if err := s.loginTOTP("op2", opPassword, codeAt(t, secret2, clock.Now())); err != nil {
		t.Fatalf("op2 with a code: %v", err)
	}
	if code, _ := s.do("DELETE", "/v1/admin/accounts/op1/totp", root, nil); code != 204 {
		t.Fatal("reset failed")
	}
	if _, err := s.login("op1", opPassword); err != nil {
		t.Errorf("op1 after reset, without a code: %v", err)
	}

	es := s.auditEntries(root)
	for _, want := range []struct{ kind, actor, subject string }{
		{"auth.totp-enrolled", "op1", "op1"}, {"auth.totp-confirmed", "op1", "op1"}, {"auth.totp-failed", "op1", "op1"},
		{"admin.totp-required", "root", "group:desk"}, {"auth.totp-reset", "root", "op1"},
	} {
		if !hasEntry(es, want.kind, want.actor, want.subject) {
			t.Errorf("audit lacks %s by %s on %s", want.kind, want.actor, want.subject)
		}
	}
	_, acct := s.do("GET", "/v1/admin/accounts/op2", root, nil)
	s.assertNowhere(secret2, append(mustJSON(es), acct...))
}

// assertNowhere fails if secret (base32) or its bytes appear in extra or
// in any row of any table.
func (s *server) assertNowhere(secret string, extra []byte) {
	s.t.Helper()
	raw, err := otpDecode(secret)
	if err != nil {
		s.t.Fatal(err)
	}
	db := s.svc.accounts.st.DB()
	tables, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	var all bytes.Buffer
	all.Write(extra)
	for _, n := range names {
		rows, err := db.Query("SELECT * FROM " + n)
		if err != nil {
			s.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				fmt.Fprintf(&all, "%s|", v)
			}
		}
		rows.Close()
	}
	if bytes.Contains(all.Bytes(), []byte(secret)) || bytes.Contains(all.Bytes(), raw) {
		s.t.Error("the TOTP secret is stored or returned in the clear")
	}
}

func otpDecode(secret string) ([]byte, error) {
	return base32NoPad.DecodeString(strings.ToUpper(secret))
}

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)
