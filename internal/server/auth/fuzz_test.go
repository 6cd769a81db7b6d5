package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// Each login message decoder must reject or accept any input without
// panicking, and what it accepts must satisfy its own limits.

func FuzzDecodeStartRequest(f *testing.F) {
	f.Add([]byte(`{"id":"bob","client_first":"p=tls-exporter,,n=bob,r=abc"}`))
	f.Add([]byte(`{"id":"bob","client_first":"x","extra":1}`))
	f.Add([]byte(`{"id":"bob","client_first":"x"}{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := login.DecodeStartRequest(b)
		if err == nil && (m.ID == "" || len(m.ID) > 256 || len(m.ClientFirst) > 1024) {
			t.Fatalf("accepted out-of-limit %+v", m)
		}
	})
}

func FuzzDecodeFinishRequest(f *testing.F) {
	f.Add([]byte(`{"login_id":"abc","client_final":"c=cD10bHMt,r=abc,p=AAAA"}`))
	f.Add([]byte(`{"login_id":"abc","client_final":"c=cD10bHMt,r=abc,p=AAAA","totp":"123456"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := login.DecodeFinishRequest(b)
		if err == nil && (m.LoginID == "" || len(m.LoginID) > 64 || len(m.ClientFinal) > 1024 || len(m.TOTP) > 16) {
			t.Fatalf("accepted out-of-limit %+v", m)
		}
	})
}

func FuzzParseIPRule(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::/32", "::ffff:192.0.2.0/120", "fe80::1%eth0", "1.2.3.4/99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseIPRule(s)
		if err != nil {
			return
		}
		if p != p.Masked() || p.Addr().Zone() != "" || (p.Addr().Is4In6() && p.Bits() >= 96) {
			t.Fatalf("ParseIPRule(%q) = %v is not normalized", s, p)
		}
	})
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:5", "192.0.2.1, 10.0.0.2")
	f.Add("[::ffff:10.0.0.1]:5", "::ffff:192.0.2.1,,garbage")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		a := clientAddr(r, trusted)
		if a.Is4In6() || a.Zone() != "" {
			t.Fatalf("clientAddr returned unnormalized %v", a)
		}
	})
}

// FuzzLoginHandler sends arbitrary bodies to both login routes of a real
// service: no panic, and never a 200 for finish (no login was started).
func FuzzLoginHandler(f *testing.F) {
	f.Add([]byte(`{"id":"bob","client_first":"n,,n=bob,r=abc"}`), []byte(`{"login_id":"x","client_final":"c=biws,r=abc,p=AAAA"}`))
	e := newEnv(f, func(c *Config) { c.AllowUnbound = true; c.SourceBurst = 1 << 20 })
	h := e.service().Handler()
	f.Fuzz(func(t *testing.T, start, finish []byte) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), "POST", "/v1/login/start", bytes.NewReader(start)))
		if w.Code == http.StatusOK {
			var sr login.StartResponse
			if err := json.Unmarshal(w.Body.Bytes(), &sr); err != nil {
				t.Fatalf("200 with a bad body: %s", w.Body)
			}
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), "POST", "/v1/login/finish", bytes.NewReader(finish)))
		if w.Code == http.StatusOK {
			t.Fatalf("finish without a started login answered 200: %s", w.Body)
		}
	})
}
