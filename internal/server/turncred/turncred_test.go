package turncred

import (
	"errors"
	"testing"
	"time"
)

func TestIssueCheck(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Unix(1_800_000_000, 0)
	c, err := Issue(secret, "sess42", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "1800003600:sess42" {
		t.Fatalf("username = %q", c.Username)
	}
	pw, tag, err := Check(secret, c.Username, now)
	if err != nil || pw != c.Password || tag != "sess42" {
		t.Fatalf("Check = %q %q %v, want %q sess42", pw, tag, err, c.Password)
	}
	if _, _, err := Check(secret, c.Username, now.Add(2*time.Hour)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: err = %v", err)
	}
	for _, u := range []string{"", "abc", "-5:x", ":x"} {
		if _, _, err := Check(secret, u, now); !errors.Is(err, ErrMalformed) {
			t.Errorf("Check(%q) err = %v, want ErrMalformed", u, err)
		}
	}
	if _, err := Issue(secret[:8], "x", now); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := Issue(secret, "a:b", now); err == nil {
		t.Error("tag with ':' accepted")
	}
}

// TestCoturnVector pins the HMAC-SHA1/base64 scheme coturn uses for
// use-auth-secret, computed independently with
// `printf %s 1800003600:sess42 | openssl dgst -sha1 -hmac SECRET -binary | base64`.
func TestCoturnVector(t *testing.T) {
	got := Password([]byte("0123456789abcdef0123456789abcdef"), "1800003600:sess42")
	if got != wantVector {
		t.Fatalf("Password = %q, want %q", got, wantVector)
	}
}

const wantVector = "KBP4EKrLbS+4eWB95mCB93nrXRc="

// FuzzCheck: Check never panics, and accepts only usernames whose expiry
// part is a positive integer in the future.
func FuzzCheck(f *testing.F) {
	f.Add("1800003600:sess42")
	f.Add("99999999999999999999:x")
	f.Add(":")
	f.Fuzz(func(t *testing.T, user string) {
		secret := []byte("0123456789abcdef0123456789abcdef")
		now := time.Unix(1_800_000_000, 0)
		pw, _, err := Check(secret, user, now)
		if err != nil {
			return
		}
		if pw != Password(secret, user) {
			t.Fatal("password mismatch")
		}
	})
}
