package auth

import (
	"context"
	"net/http"
	"net/netip"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// TestIPRulesAtLogin: per account and per group, addresses and ranges,
// IPv4 and IPv6, IPv4-mapped sources and rules normalized.
func TestIPRulesAtLogin(t *testing.T) {
	acct := func(n string) store.Subject { return store.Subject{Kind: store.SubjectAccount, Name: n} }
	grp := func(n string) store.Subject { return store.Subject{Kind: store.SubjectGroup, Name: n} }
	cases := []struct {
		name   string
		sub    store.Subject
		rule   string
		remote string
		ok     bool
	}{
		{"no rules: anywhere", store.Subject{}, "", "203.0.113.1:1", true},
		{"v4 address", acct("bob"), "192.0.2.7", "192.0.2.7:1", true},
		{"v4 address, other source", acct("bob"), "192.0.2.7", "192.0.2.8:1", false},
		{"v4 CIDR", acct("bob"), "192.0.2.0/24", "192.0.2.200:1", true},
		{"v4 CIDR, outside", acct("bob"), "192.0.2.0/24", "198.51.100.1:1", false},
		{"v6 CIDR", acct("bob"), "2001:db8:5::/48", "[2001:db8:5:1::9]:1", true},
		{"v6 CIDR, outside", acct("bob"), "2001:db8:5::/48", "[2001:db8:6::9]:1", false},
		{"v6 address", acct("bob"), "2001:db8::1", "[2001:db8::1]:1", true},
		{"v4-mapped source, v4 rule", acct("bob"), "192.0.2.7", "[::ffff:192.0.2.7]:1", true},
		{"v4-mapped rule, v4 source", acct("bob"), "::ffff:192.0.2.0/120", "192.0.2.9:1", true},
		{"v4 rule never matches v6", acct("bob"), "0.0.0.0/0", "[2001:db8::1]:1", false},
		{"group rule", grp("office"), "198.51.100.0/24", "198.51.100.3:1", true},
		{"group rule, outside", grp("office"), "198.51.100.0/24", "192.0.2.1:1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			e.addOperator("bob", goodPassword)
			if err := e.st.CreateGroup(ctx, "office"); err != nil {
				t.Fatal(err)
			}
			if err := e.st.AddMember(ctx, "office", "bob"); err != nil {
				t.Fatal(err)
			}
			if c.rule != "" {
				e.allowIP(t, c.sub, c.rule)
			}
			e.remote.Store(c.remote)
			_, err := e.login("bob", goodPassword)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok {
				wantLoginFailed(t, err)
				if e.countEvents(EventIPRefused) != 1 {
					t.Fatal("no ip-refused event")
				}
			}
		})
	}
}

// TestIPRefusalDoesNotLock: guesses from outside the rules can neither
// test the password nor lock the operator out.
func TestIPRefusalDoesNotLock(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 50 })
	e.addOperator("bob", goodPassword)
	e.allowIP(t, store.Subject{Kind: store.SubjectAccount, Name: "bob"}, "192.0.2.0/24")
	e.remote.Store("203.0.113.66:1")
	for range 5 {
		e.login("bob", "wrong")
	}
	e.remote.Store("192.0.2.10:1")
	e.mustLogin("bob", goodPassword)
}

// TestForwardedFor: X-Forwarded-For counts only from a trusted proxy.
func TestForwardedFor(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"no proxy", "203.0.113.1:5", "", "203.0.113.1"},
		{"untrusted peer's header ignored", "203.0.113.1:5", "192.0.2.1", "203.0.113.1"},
		{"trusted proxy", "10.0.0.2:5", "192.0.2.1", "192.0.2.1"},
		{"rightmost untrusted wins", "10.0.0.2:5", "198.51.100.1, 192.0.2.1, 10.0.0.3", "192.0.2.1"},
		{"spoofed left entries ignored", "10.0.0.2:5", "1.2.3.4, 192.0.2.1", "192.0.2.1"},
		{"v6 proxy, mapped client", "[2001:db8:ffff::1]:5", "::ffff:192.0.2.9", "192.0.2.9"},
		{"garbage stops at last vouched", "10.0.0.2:5", "nonsense, 10.0.0.9", "10.0.0.9"},
		{"mapped peer", "[::ffff:203.0.113.7]:5", "192.0.2.1", "203.0.113.7"},
		{"only proxies", "10.0.0.2:5", "10.0.0.3", "10.0.0.3"},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("POST", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, trusted); got.String() != c.want {
			t.Errorf("%s: clientAddr = %v, want %s", c.name, got, c.want)
		}
	}
}

// TestForwardedForAtLogin: over HTTPS, a client's own X-Forwarded-For
// does not get it past IP rules unless it comes through a trusted proxy.
func TestForwardedForAtLogin(t *testing.T) {
	for _, trust := range []bool{false, true} {
		e := newEnv(t, func(c *Config) {
			if trust {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			}
		})
		e.addOperator("bob", goodPassword)
		e.allowIP(t, store.Subject{Kind: store.SubjectAccount, Name: "bob"}, "192.0.2.0/24")
		e.xff.Store("192.0.2.44")
		_, err := e.login("bob", goodPassword)
		if trust && err != nil {
			t.Fatalf("through a trusted proxy: %v", err)
		}
		if !trust {
			wantLoginFailed(t, err)
		}
	}
}

func TestParseIPRule(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7": "192.0.2.7/32", " 192.0.2.0/24 ": "192.0.2.0/24", "192.0.2.9/24": "192.0.2.0/24",
		"2001:db8::1": "2001:db8::1/128", "2001:db8::/32": "2001:db8::/32", "::ffff:192.0.2.7": "192.0.2.7/32",
		"fe80::1%eth0": "", "192.0.2.0/33": "", "example.com": "", "": "",
	} {
		p, err := ParseIPRule(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParseIPRule(%q) = %v, want an error", in, p)
			}
			continue
		}
		if err != nil || p.String() != want {
			t.Errorf("ParseIPRule(%q) = %v, %v; want %s", in, p, err, want)
		}
	}
}

// allowIP adds rule, in ParseIPRule's syntax, for sub to e's store, as the
// admin API and CLI do.
func (e *env) allowIP(t *testing.T, sub store.Subject, rule string) {
	t.Helper()
	p, err := ParseIPRule(rule)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddIPRule(context.Background(), sub, p); err != nil {
		t.Fatal(err)
	}
}
