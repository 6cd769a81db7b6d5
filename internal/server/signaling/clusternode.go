package signaling

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

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
