package signaling

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/blockfeed"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// errRefused answers a Join from a blocked customer: the customer learns
// neither that a block exists nor why.
var errRefused = proto.ErrRefused

// checkBlocked refuses c when a customer block covers its address, and
// audits the refusal with the block's ID. A store failure refuses too: a
// block must not lapse because a query did.
func (s *Server) checkBlocked(ctx context.Context, c *client, agent string) error {
	if s.cfg.Blocked == nil {
		return nil
	}
	b, blocked, err := s.cfg.Blocked(ctx, c.addr, agent)
	if err != nil {
		s.cfg.Logger.Error("join: block check failed", "err", err)
		return s.refuse(errRefused)
	}
	if !blocked {
		return nil
	}
	s.cfg.Logger.Info("join refused: customer blocked", "from", c.addr, "block", b.ID)
	if s.cfg.Audit != nil {
		detail := map[string]string{"reason": "customer blocked"}
		if agent != "" {
			detail["agent"] = agent
		}
		s.cfg.Audit.Note(ctx, audit.Entry{Kind: "session.join-refused", Source: c.addr.String(),
			Subject: "block:" + strconv.FormatInt(b.ID, 10), Detail: detail})
	}
	return s.refuse(errRefused)
}

// blockedRelayClient is the embedded relay's Config.Refuse: true when a
// customer block covers the allocating client's address, or when the
// check fails.
func (svc *Service) blockedRelayClient(addr netip.Addr) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, blocked, err := svc.accounts.admin.CustomerBlocked(ctx, addr, "")
	if err != nil {
		svc.opts.Logger.Error("relay: block check failed", "err", err)
		return true
	}
	return blocked
}

// relayBlocks lists the address blocks in force for standalone relays
// (package blockfeed): prefixes and ends only.
func (svc *Service) relayBlocks(ctx context.Context) ([]blockfeed.Block, error) {
	bs, err := svc.accounts.st.CustomerBlocks(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	out := make([]blockfeed.Block, 0, len(bs))
	for _, b := range bs {
		if b.Prefix.IsValid() {
			out = append(out, blockfeed.Block{Prefix: b.Prefix, Until: b.Expires})
		}
	}
	return out, nil
}
