package signalingtest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"net"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/admin"
	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// Wire gives cfg operator accounts over a fresh database in t's temporary
// directory: login and the admin API on /v1/, the audit log, a grant key
// and the operators' permissions. Passwords are hashed with the fewest
// iterations the client accepts, to keep tests fast. It returns the
// one-time setup token that creates the first administrator (see Setup).
func Wire(t testing.TB, cfg *signaling.Config) (setupToken string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), signaling.DatabaseFile))
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	log := audit.New(st, nil, nil)
	a, err := auth.New(ctx, st, auth.Config{Iterations: auth.MinIterations}, log.AuthHook())
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	adm := admin.New(a, st, log, nil, nil)
	setupToken, _, err = adm.IssueSetupToken(ctx)
	if err != nil || setupToken == "" {
		t.Fatalf("signalingtest: no setup token (%v)", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth, cfg.API, cfg.Audit, cfg.GrantKey = a, adm.Handler(), log, key
	cfg.Permissions, cfg.Blocked = st.AccountPermissions, adm.CustomerBlocked
	return setupToken
}

// Server is an in-process signaling server over TLS on loopback with
// operator accounts and one operator, "tech", holding every function.
type Server struct {
	URL      string
	Roots    *x509.CertPool // trusts the server's certificate
	CAFile   string         // the same certificate as a PEM file, for -ca
	Signal   *signaling.Server
	GrantKey ed25519.PublicKey // verifies the grants agents receive
	Admin    *Admin
	Operator Operator
}

// Start runs a signaling server with cfg plus operator accounts (Wire)
// until the test ends. wrap, when not nil, wraps its listener (for fault
// injection).
func Start(t testing.TB, cfg signaling.Config, wrap func(net.Listener) net.Listener) *Server {
	t.Helper()
	setup := Wire(t, &cfg)
	srv, err := signaling.New(cfg)
	if err != nil {
		t.Fatalf("signalingtest: %v", err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	if wrap != nil {
		hs.Listener = wrap(hs.Listener)
	}
	hs.StartTLS()
	t.Cleanup(hs.Close)
	s := &Server{URL: hs.URL, Roots: x509.NewCertPool(), Signal: srv, GrantKey: cfg.GrantKey.Public().(ed25519.PublicKey)}
	s.Roots.AddCert(hs.Certificate())
	s.CAFile = writeCA(t, hs.Certificate())
	s.Admin = Setup(t, s.URL, s.Roots, setup)
	s.Operator = s.Admin.AddOperator("tech")
	return s
}

var setupTokenRE = regexp.MustCompile(`tdmsetup_[A-Za-z0-9_-]{43}`)

// SetupToken finds the one-time setup token in a signaling server's
// start-up summary.
func SetupToken(summary string) (string, bool) {
	tok := setupTokenRE.FindString(summary)
	return tok, tok != ""
}
