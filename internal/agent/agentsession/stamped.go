package agentsession

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// A stamped agent download (package stamp) joins by a one-time ticket
// instead of a code, trusts the signaling server by its pinned
// certificate key instead of a CA, and accepts only the grant key it was
// stamped with.

// dialSignaling connects to the signaling server: pinned for a stamped
// download, through RootCAs otherwise. A pinned server's certificate is
// then trusted for its relays over TLS too (cfg.RootCAs): a self-hosted
// server's turns: relay presents the same self-generated certificate,
// which no CA knows.
func dialSignaling(ctx context.Context, cfg *AgentConfig) (*sigclient.Conn, error) {
	if cfg.Stamp == nil {
		return sigclient.Dial(ctx, cfg.Server, cfg.RootCAs)
	}
	sc, err := sigclient.DialPinned(ctx, cfg.Server, cfg.Stamp.Pin)
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = withCert(cfg.RootCAs, sc.Pinned())
	return sc, nil
}

// withCert returns roots (nil: the system's) plus cert, leaving roots as
// it was.
func withCert(roots *x509.CertPool, cert *x509.Certificate) *x509.CertPool {
	if cert == nil {
		return roots
	}
	var pool *x509.CertPool
	if roots != nil {
		pool = roots.Clone()
	} else if sys, err := x509.SystemCertPool(); err == nil {
		pool = sys
	} else {
		pool = x509.NewCertPool()
	}
	pool.AddCert(cert)
	return pool
}

// joinSession joins by ticket or by code, and checks a stamped download's
// grant key against the server's.
func joinSession(ctx context.Context, sc *sigclient.Conn, cfg AgentConfig) (proto.Joined, error) {
	if cfg.Stamp == nil {
		return sc.Join(ctx, cfg.Code)
	}
	joined, err := sc.JoinTicket(ctx, cfg.Stamp.Ticket)
	if err != nil {
		return joined, err
	}
	if len(joined.Grant) == 0 || !joined.GrantKey.Equal(cfg.Stamp.Key) {
		return joined, errStampedKey
	}
	return joined, nil
}

var errStampedKey = errors.New("the server did not sign this session with the key this download was made with: download the agent again from your technician's help page")

// checkTicketConfig reports a stamped configuration that cannot work.
func (cfg *AgentConfig) checkTicketConfig() error {
	if cfg.Stamp != nil && len(cfg.Stamp.Pin) == 0 {
		return errors.New("a ticket needs the server's certificate pin")
	}
	return nil
}
