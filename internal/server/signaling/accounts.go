package signaling

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/server/admin"
	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// DatabaseFile is the store's file name in the data directory.
const DatabaseFile = "tandem.db"

// accounts is the operator-account side of the process: the store, login,
// the audit log and the admin API, all over DATA/tandem.db or -db.
type accounts struct {
	st       store.Opened
	auth     *auth.Service
	audit    *audit.Log
	admin    *admin.Admin
	grantKey ed25519.PrivateKey
}

// openAccounts opens the store and builds the services over it. When no
// administrator exists it issues a one-time setup token and adds the
// instructions (with the token, printed once) to the summary.
func (svc *Service) openAccounts(ctx context.Context, public string) (*accounts, error) {
	o := svc.opts
	db := o.Database
	if db == "" {
		db = filepath.Join(o.DataDir, DatabaseFile)
	}
	st, err := store.Open(ctx, db, o.DatabasePasswordFile)
	if err != nil {
		return nil, err
	}
	svc.summary = append(svc.summary, "Store: "+st.Where())
	if store.IsPostgresURL(db) {
		svc.summary = append(svc.summary, "  signaling admin works on a data directory's SQLite file, not this database: administer through the /v1 API")
	}
	a := &accounts{st: st, audit: audit.New(st, o.Logger, nil)}
	cfg := o.Auth
	cfg.Logger = o.Logger
	if a.auth, err = auth.New(ctx, st, cfg, a.audit.AuthHook()); err != nil {
		st.Close()
		return nil, err
	}
	a.admin = admin.New(a.auth, st, a.audit, o.Logger, nil)
	if a.grantKey, err = loadOrCreateGrantKey(filepath.Join(o.DataDir, "grant-key")); err != nil {
		st.Close()
		return nil, err
	}
	svc.summary = append(svc.summary, "grant public key (agents verify session grants with it): "+grant.KeyOf(a.grantKey).String())
	kept := "kept for ever (-audit-retention 0)"
	if r := o.AuditRetention; r > 0 {
		kept = fmt.Sprintf("entries kept %s, then removed oldest first (each removal audited)", retentionText(r))
	}
	svc.summary = append(svc.summary, "Audit log: "+kept)
	token, expires, err := svc.issueSetupToken(ctx, a) // one for all nodes (clusternode.go)
	if err != nil {
		st.Close()
		return nil, err
	}
	if token != "" {
		lines := []string{
			"NO ADMINISTRATOR YET. One-time setup token (shown only now, valid until " + expires.Format("15:04 MST") + "):",
			"    " + token,
			"  Create the first administrator with it:",
			"    curl --cacert " + filepath.Join(o.DataDir, "cert.pem") + " -X POST " + public + "/v1/setup -d @- <<< '{\"token\":\"" + token + "\",\"id\":\"admin\",\"name\":\"Your Name\",\"password\":\"...\"}'",
		}
		if !store.IsPostgresURL(db) {
			lines = append(lines, "  or on this machine: signaling admin -data "+o.DataDir+" user add -admin ID (password on standard input)")
		}
		svc.summary = append(svc.summary, strings.Join(lines, "\n"))
	}
	return a, nil
}

func (a *accounts) close() error {
	if a == nil {
		return nil
	}
	return a.st.Close()
}

// loadOrCreateGrantKey reads the server's Ed25519 grant key (a base64 seed,
// mode 0600) from name, creating it on first start.
func loadOrCreateGrantKey(name string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		if err := certs.WriteFileAtomic(name, []byte(base64.StdEncoding.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("grant key: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("grant key: %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("grant key %s is damaged: restore it from backup, or delete it to make a new one (agents must then learn the new public key)", name)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
