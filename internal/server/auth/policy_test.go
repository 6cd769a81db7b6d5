package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

func TestPolicyCheck(t *testing.T) {
	p := Policy{}
	cases := []struct {
		name, password string
		ok             bool
		want           string // in the problem text
	}{
		{"passphrase", goodPassword, true, ""},
		{"random", "k8#Qz!v2Lr9@wXp", true, ""},
		{"unicode passphrase", "écureuil bleu sous la pluie", true, ""},
		{"too short", "k8#Qz!v2Lr", false, "at least 15"},
		{"too long", strings.Repeat("abcdefghij", 13), false, "at most 128"},
		{"blocklisted", "passwordpassword", false, "common or breached"},
		{"blocklisted with substitutions", "p@ssw0rdp@ssw0rd", false, "common or breached"},
		{"blocklisted any case", "QwertyuiopAsdfgh", false, "common or breached"},
		{"contains the ID", "bob-the-operator-7x", false, "ID or name"},
		{"repetitive", "aaaaaaaaaaaaaaaaaaaa", false, "predictable"},
		{"sequence", "abcdefghijklmnopq", false, "predictable"},
		{"keyboard walk", "1qaz2wsx3edc4rfv5tgb", false, "predictable"},
		{"common words glued", "monkeydragonsunshine", false, "predictable"},
		{"control character", "violet anchor\x00tundra mosaic", false, "cannot be used"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Check(c.password, "bob", "Bob Smith")
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v (strength %.0f)", err, Strength(c.password))
				}
				return
			}
			if !errors.Is(err, ErrPasswordPolicy) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a policy error mentioning %q", err, c.want)
			}
			if strings.Contains(err.Error(), c.password) {
				t.Fatal("the policy error repeats the password")
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	for name, p := range map[string]Policy{
		"max below 64":  {MaxLength: 32},
		"min below 8":   {MinLength: 6},
		"max below min": {MinLength: 100, MaxLength: 80},
	} {
		if p.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Policy{}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestNoReuse: the last History passwords cannot be set again; older ones can.
func TestNoReuse(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Policy.History = 2 })
	ctx := context.Background()
	pw := []string{goodPassword, "saffron glacier piano 771", "orbit lantern quiche 5150"}
	e.addOperator("bob", pw[0])
	if err := e.service().SetPassword(ctx, "bob", pw[0]); !errors.Is(err, ErrPasswordPolicy) {
		t.Fatalf("reusing the current password: %v", err)
	}
	if err := e.service().SetPassword(ctx, "bob", pw[1]); err != nil {
		t.Fatal(err)
	}
	if err := e.service().SetPassword(ctx, "bob", pw[0]); !errors.Is(err, ErrPasswordPolicy) {
		t.Fatalf("reusing the previous password: %v", err)
	}
	if err := e.service().SetPassword(ctx, "bob", pw[2]); err != nil {
		t.Fatal(err)
	}
	if err := e.service().SetPassword(ctx, "bob", pw[0]); err != nil {
		t.Fatalf("a password 3 changes old with History 2: %v", err)
	}
	e.mustLogin("bob", pw[0])
}

// TestMaxAge: off by default; when set, an old password refuses login with
// advice, and turning it on logs a warning.
func TestMaxAge(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Policy.MaxAge = 90 * 24 * time.Hour })
	e.addOperator("bob", goodPassword)
	e.mustLogin("bob", goodPassword)
	e.clock.Add(91 * 24 * time.Hour)
	if _, err := e.login("bob", goodPassword); !errors.Is(err, login.ErrPasswordExpired) {
		t.Fatalf("got %v, want login.ErrPasswordExpired", err)
	}
	e.service().SetPassword(context.Background(), "bob", "saffron glacier piano 771")
	e.mustLogin("bob", "saffron glacier piano 771")
	e.mu.Lock()
	logs := e.logs.String()
	e.mu.Unlock()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "forced rotation") {
		t.Fatalf("no warning logged for max age:\n%s", logs)
	}

	off := newEnv(t, nil)
	off.addOperator("bob", goodPassword)
	off.clock.Add(10 * 365 * 24 * time.Hour)
	off.mustLogin("bob", goodPassword)
}

func TestCreateAccountValidates(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for _, a := range []store.Account{
		{ID: "Bob", Kind: store.KindOperator}, {ID: "-bob", Kind: store.KindOperator},
		{ID: "bob smith", Kind: store.KindOperator}, {ID: "bob", Kind: "root"},
	} {
		if err := e.service().CreateAccount(ctx, a, goodPassword); err == nil {
			t.Errorf("created %+v", a)
		}
	}
	if err := e.service().CreateAccount(ctx, store.Account{ID: "bob", Kind: store.KindOperator}, "short"); !errors.Is(err, ErrPasswordPolicy) {
		t.Fatalf("weak first password: %v", err)
	}
	if _, err := e.st.Account(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("an account was created despite a refused password")
	}
}
