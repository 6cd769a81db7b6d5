package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestOperatorLoginWithTOTP: an administrator requires a second factor
// and enrolls the operator; the technician logs in with password and the
// authenticator's code, and without the code it is refused.
func TestOperatorLoginWithTOTP(t *testing.T) {
	b := binaries(t)
	sig := server(t, b)
	srv, data := sig.url, sig.data
	ca := filepath.Join(data, "cert.pem")
	const password = "correct horse battery staple rides again"
	admin := func(stdin string, args ...string) string { t.Helper(); return sig.admin(t, b, stdin, args...) }
	admin(password+"\n", "user", "add", "-name", "Bob", "bob")
	admin("", "totp", "require", "account", "bob")
	uri := regexp.MustCompile(`otpauth://\S+`).FindString(admin("", "totp", "enroll", "bob"))
	u, err := url.Parse(uri)
	if err != nil || u.Query().Get("secret") == "" {
		t.Fatalf("enroll printed no otpauth URI: %q", uri)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(password+"\n"), 0o600)

	noCode := start(t, b["technician"], []string{"TANDEM_PASSWORD=", "TANDEM_TOTP=000000"}, "-headless", "-server", srv, "-ca", ca, "-user", "bob", "-password-file", pw, "-totp", "-json")
	if st := noCode.wait(t, 30*time.Second); st == 0 {
		t.Fatal("a wrong TOTP code logged in")
	}

	code, err := totp.GenerateCode(u.Query().Get("secret"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tech := start(t, b["technician"], []string{"TANDEM_PASSWORD=", "TANDEM_TOTP=" + code}, "-headless", "-server", srv, "-ca", ca, "-user", "bob", "-password-file", pw, "-totp", "-json", "-end-after", "1s")
	sessionCode := tech.next(t, "code")["code"].(string)
	start(t, b["agent"], nil, "-keep", "-server", srv, "-ca", ca, "-code", sessionCode, "-json")
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}
