package signaling

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tandem-remote/tandem/internal/server/admin"
	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// joinCluster makes this process a node of the cluster Options.Cluster
// names: the bus to the other nodes (package cluster) and the session
// leases in the shared PostgreSQL database. With no cluster asked for it
// returns nil and starts nothing.
func (svc *Service) joinCluster(ctx context.Context) (*Cluster, error) {
	o := svc.opts
	cfg := o.Cluster
	if !cfg.Enabled() {
		return nil, nil
	}
	if !store.IsPostgresURL(o.Database) {
		return nil, errors.New("several nodes share one PostgreSQL database: pass -db postgres://... with -cluster-listen or -nats")
	}
	if cfg.Listen != "" {
		name := o.ClusterSecretFile
		if name == "" {
			name = filepath.Join(o.DataDir, "cluster-secret")
			if err := createSecret(name); err != nil {
				return nil, fmt.Errorf("cluster secret: %w", err)
			}
		}
		secret, err := ReadSecretFile(name)
		if err != nil {
			return nil, fmt.Errorf("cluster secret (the same file on every node): %w", err)
		}
		cfg.Secret = secret
		svc.summary = append(svc.summary, "Cluster secret: "+name+" (copy it to every node)")
	}
	cfg.Logger = o.Logger
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	leases, err := cluster.OpenLeases(ctx, svc.accounts.st.DB())
	if err != nil {
		return nil, err
	}
	if svc.bus, err = cluster.Start(cfg); err != nil {
		return nil, err
	}
	svc.summary = append(svc.summary, "Cluster: "+svc.bus.Describe())
	o.Logger.Info("joined the cluster", "node", svc.bus.Name())
	return &Cluster{Bus: svc.bus, Leases: leases}, nil
}

// issueSetupToken issues the one-time setup token while no administrator
// exists. With several nodes only one node's token stands (the store
// keeps one; a second would replace the first's, printed in vain): the
// first to start while none is live issues it, the others say where it
// was printed.
func (svc *Service) issueSetupToken(ctx context.Context, a *accounts) (string, time.Time, error) {
	cfg := svc.opts.Cluster
	if !cfg.Enabled() || !store.IsPostgresURL(svc.opts.Database) {
		return a.admin.IssueSetupToken(ctx)
	}
	if open, err := a.admin.SetupOpen(ctx); err != nil || !open {
		return "", time.Time{}, err
	}
	leases, err := cluster.OpenLeases(ctx, a.st.DB())
	if err != nil {
		return "", time.Time{}, err
	}
	now := time.Now()
	holder, until, mine, err := leases.ClaimSetupToken(ctx, cfg.NodeName(), now.Add(admin.SetupTTL), now)
	if err != nil {
		return "", time.Time{}, err
	}
	if !mine {
		svc.summary = append(svc.summary, fmt.Sprintf("NO ADMINISTRATOR YET: node %s printed the one-time setup token (valid until %s): use that one",
			holder, until.Local().Format("15:04 MST")))
		return "", time.Time{}, nil
	}
	return a.admin.IssueSetupToken(ctx)
}
