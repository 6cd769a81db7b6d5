package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// TestTOTPLogin: with a confirmed factor, login needs the current code,
// once; the enrollment and the replay guard survive a restart; the secret
// is never logged; a sealed secret moved to another account
// does not open.
func TestTOTPLogin(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("op1", goodPassword)
	e.addOperator("op2", goodPassword)
	ctx := context.Background()
	uri, err := e.service().EnrollTOTP(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil || key.Issuer() != "Tandem" || key.AccountName() != "op1" {
		t.Fatalf("URI %q: %v", uri, err)
	}
	code := func() string { c, _ := totp.GenerateCode(key.Secret(), e.clock.Now()); return c }
	// Not yet confirmed (and not required): the password alone still works.
	e.mustLogin("op1", goodPassword)
	if err := e.service().ConfirmTOTP(ctx, "op1", code()); err != nil {
		t.Fatal(err)
	}
	logIn := func(c string) error {
		_, err := login.LoginTOTP(ctx, e.srv.Client(), e.srv.URL, "op1", goodPassword, c)
		return err
	}
	wantLoginFailed(t, logIn(""))
	wantLoginFailed(t, logIn(code())) // the confirming code, replayed
	e.restart()
	e.clock.Add(30 * time.Second)
	if err := logIn(code()); err != nil {
		t.Fatalf("fresh code after restart: %v", err)
	}
	wantLoginFailed(t, logIn(code()))
	if n := e.countEvents(EventTOTPFailed); n != 3 {
		t.Errorf("totp-failed events = %d, want 3", n)
	}

	t1, _ := e.st.TOTP(ctx, "op1")
	if _, err := e.service().openTOTP("op2", t1.Sealed); err == nil {
		t.Error("op1's sealed secret opened as op2's")
	}
	if _, err := e.service().EnrollTOTP(ctx, "op1"); !errors.Is(err, ErrTOTPEnrolled) {
		t.Errorf("re-enrollment over a confirmed factor: %v", err)
	}
	e.mu.Lock()
	logs := e.logs.String()
	e.mu.Unlock()
	if strings.Contains(logs, key.Secret()) || bytes.Contains(t1.Sealed, []byte(key.Secret())) {
		t.Error("the TOTP secret is logged or stored in the clear")
	}
}
