package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// countingStore counts the store calls a login's finish can make.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingStore) note(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}

// take returns the calls counted since the last take.
func (c *countingStore) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.calls
	c.calls = nil
	return m
}

func (c *countingStore) Account(ctx context.Context, id string) (store.Account, error) {
	c.note("Account")
	return c.Store.Account(ctx, id)
}

func (c *countingStore) Credential(ctx context.Context, id string) (store.Credential, error) {
	c.note("Credential")
	return c.Store.Credential(ctx, id)
}

func (c *countingStore) AccountIPRules(ctx context.Context, id string) ([]netip.Prefix, error) {
	c.note("AccountIPRules")
	return c.Store.AccountIPRules(ctx, id)
}

func (c *countingStore) Lockout(ctx context.Context, id string) (store.Lockout, error) {
	c.note("Lockout")
	return c.Store.Lockout(ctx, id)
}

func (c *countingStore) ReserveAttempt(ctx context.Context, id string, now time.Time, max int, blockFor time.Duration) (store.Lockout, bool, error) {
	c.note("ReserveAttempt")
	return c.Store.ReserveAttempt(ctx, id, now, max, blockFor)
}

func (c *countingStore) NoteAttempt(ctx context.Context, id string, now time.Time) error {
	c.note("NoteAttempt")
	return c.Store.NoteAttempt(ctx, id, now)
}

func (c *countingStore) ClearLockout(ctx context.Context, id string) error {
	c.note("ClearLockout")
	return c.Store.ClearLockout(ctx, id)
}

func (c *countingStore) CreateToken(ctx context.Context, t store.Token) error {
	c.note("CreateToken")
	return c.Store.CreateToken(ctx, t)
}

func (c *countingStore) TOTP(ctx context.Context, id string) (store.TOTP, error) {
	c.note("TOTP")
	return c.Store.TOTP(ctx, id)
}

func (c *countingStore) TOTPRequired(ctx context.Context, id string) (bool, error) {
	c.note("TOTPRequired")
	return c.Store.TOTPRequired(ctx, id)
}

func (c *countingStore) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	c.note("UseTOTPStep")
	return c.Store.UseTOTPStep(ctx, id, step)
}

// finishWork is what one login's finish did, as far as the outside or the
// server's own store could tell.
type finishWork struct {
	answer   rawResponse
	store    map[string]int // store calls by method
	codes    int            // TOTP codes computed
	events   int            // OnEvent calls (each an audit write in the server)
	failures int            // the ID's lockout count afterwards
}

// TestWrongTOTPLooksLikeWrongPassword: for an account with TOTP, a right
// password with a wrong, missing or replayed code gets the answer a wrong
// password gets, byte for byte, after the same store calls, the same TOTP
// computations and the same number of audit events, and counts once
// toward the three tries; so does an account without TOTP and an
// unknown ID. The right password with a fresh code still logs in.
func TestWrongTOTPLooksLikeWrongPassword(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 100 })
	ctx := context.Background()
	e.addOperator("op1", goodPassword)
	e.addOperator("op2", goodPassword)
	uri, err := e.service().EnrollTOTP(ctx, "op1")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := otp.NewKeyFromURL(uri)
	code := func() string { return totpAt(t, key.Secret(), e.clock.Now()) }
	if err := e.service().ConfirmTOTP(ctx, "op1", code()); err != nil {
		t.Fatal(err)
	}
	used := code()
	e.clock.Add(30 * time.Second)

	cs := &countingStore{Store: e.st}
	var codes, events int
	var mu sync.Mutex
	svc, err := New(ctx, cs, e.cfg, func(context.Context, Event) { mu.Lock(); events++; mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	gen := svc.totpCode
	svc.totpCode = func(secret string, at time.Time) (string, error) {
		mu.Lock()
		codes++
		mu.Unlock()
		return gen(secret, at)
	}
	e.svc.Store(svc)

	finish := func(id, password, totpCode string) finishWork {
		t.Helper()
		if err := svc.Unlock(ctx, id); err != nil {
			t.Fatal(err)
		}
		answer := rawLoginTOTP(t, e, id, password, totpCode, func() {
			cs.take()
			mu.Lock()
			codes, events = 0, 0
			mu.Unlock()
		})
		w := finishWork{answer: answer, store: cs.take()}
		mu.Lock()
		w.codes, w.events = codes, events
		mu.Unlock()
		l, _ := e.st.Lockout(ctx, id)
		w.failures = l.Failures
		return w
	}
	ref := finish("op1", "not the password at all", "000000")
	cases := []struct{ name, id, password, code string }{
		{"right password, wrong code", "op1", goodPassword, wrongCode(code())},
		{"right password, no code", "op1", goodPassword, ""},
		{"right password, replayed code", "op1", goodPassword, used},
		{"wrong password, right code", "op1", "not the password at all", code()},
		{"wrong password, no TOTP on the account", "op2", "not the password at all", ""},
		{"unknown ID", "nobody", goodPassword, code()},
	}
	if ref.answer.status != http.StatusUnauthorized || ref.failures != 1 {
		t.Fatalf("wrong password: %d %s, %d failures", ref.answer.status, ref.answer.body, ref.failures)
	}
	if ref.codes == 0 {
		t.Error("a wrong password's finish computed no TOTP code: the work then depends on the password")
	}
	for _, c := range cases {
		w := finish(c.id, c.password, c.code)
		if !bytes.Equal(w.answer.body, ref.answer.body) || w.answer.status != ref.answer.status || !maps.EqualFunc(w.answer.header, ref.answer.header, slices.Equal[[]string]) {
			t.Errorf("%s: answer %d %v %s, want the wrong password's %d %v %s", c.name,
				w.answer.status, w.answer.header, w.answer.body, ref.answer.status, ref.answer.header, ref.answer.body)
		}
		if !maps.Equal(w.store, ref.store) || w.codes != ref.codes || w.events != ref.events {
			t.Errorf("%s: store calls %v, %d TOTP codes, %d events; a wrong password makes %v, %d, %d", c.name,
				w.store, w.codes, w.events, ref.store, ref.codes, ref.events)
		}
		if w.failures != ref.failures {
			t.Errorf("%s: the ID's failure count is %d, a wrong password's %d", c.name, w.failures, ref.failures)
		}
	}
	// Three of them in a row block the ID, whichever they are.
	for _, c := range cases[:3] {
		rawLoginTOTP(t, e, c.id, c.password, c.code, nil)
	}
	if l, _ := e.st.Lockout(ctx, "op1"); !l.Blocked(e.clock.Now()) {
		t.Fatalf("three wrong codes with the right password did not block op1: %+v", l)
	}
	if err := svc.Unlock(ctx, "op1"); err != nil {
		t.Fatal(err)
	}
	// The right code given with a wrong password above was not used up.
	if _, err := login.LoginTOTP(ctx, e.srv.Client(), e.srv.URL, "op1", goodPassword, code()); err != nil {
		t.Fatalf("right password and code: %v", err)
	}
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code other than c.
func wrongCode(c string) string {
	if c == "123456" {
		return "654321"
	}
	return "123456"
}

// rawLoginTOTP runs a login by hand with a TOTP code, calls beforeFinish
// (if any) between start and finish, and returns finish's answer.
func rawLoginTOTP(t *testing.T, e *env, id, password, code string, beforeFinish func()) rawResponse {
	t.Helper()
	c, cb, closeConn, err := pinnedClient(context.Background(), e.srv.Client(), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	sc, _ := scram.SHA256.NewClient(id, password, "")
	conv := sc.NewConversationWithChannelBinding(cb)
	first, _ := conv.Step("")
	start := rawPost(t, c, e.srv.URL+"/v1/login/start", login.StartRequest{ID: id, ClientFirst: first})
	var sr login.StartResponse
	if err := json.Unmarshal(start.body, &sr); err != nil {
		t.Fatalf("start answer %d %s", start.status, start.body)
	}
	final, err := conv.Step(sr.ServerFirst)
	if err != nil {
		t.Fatal(err)
	}
	if beforeFinish != nil {
		beforeFinish()
	}
	return rawPost(t, c, e.srv.URL+"/v1/login/finish", login.FinishRequest{LoginID: sr.LoginID, ClientFinal: final, TOTP: code})
}

// TestDamagedTOTPSecret: an enrolled account whose sealed secret does not
// open (damaged, or moved from another account) cannot log in with any
// code - not even the code of an empty secret, which is what the check
// computes with - and the answer is the ordinary 401, not an error that
// would tell the password was right.
func TestDamagedTOTPSecret(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 100 })
	ctx := context.Background()
	e.addOperator("op3", goodPassword)
	if err := e.st.PutTOTP(ctx, "op3", []byte("not a sealed secret at all"), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := e.st.UseTOTPStep(ctx, "op3", 1); !ok || err != nil {
		t.Fatalf("confirm the damaged enrollment: %v %v", ok, err)
	}
	wrong := rawLoginTOTP(t, e, "op3", "not the password at all", "000000", nil)
	for _, code := range []string{"", "000000", totpAt(t, "", e.clock.Now())} {
		got := rawLoginTOTP(t, e, "op3", goodPassword, code, nil)
		if got.status != http.StatusUnauthorized || !bytes.Equal(got.body, wrong.body) {
			t.Fatalf("right password, code %q, damaged secret: %d %s; a wrong password gets %d %s", code, got.status, got.body, wrong.status, wrong.body)
		}
		e.service().Unlock(ctx, "op3")
	}
}
