package admin

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/agentid"
)

// Customer blocks refuse a customer's session joins and relay allocations.
// An operator blocks for a while (DefaultBlockFor unless they say, at most
// MaxBlockFor) and sees and lifts only their own blocks; an administrator
// blocks for any time or permanently, sees every block with its address,
// and lifts any. An operator can never lift an administrator's block.

// Default limits on operators' blocks (see SetBlockLimits).
const (
	DefaultBlockFor = 24 * time.Hour
	DefaultBlockMax = 7 * 24 * time.Hour
)

// ErrForbidden marks an action the caller's role does not allow (HTTP 403).
var ErrForbidden = errors.New("forbidden")

// Caller is who asks for a block action: an account ID (or "local:USER")
// and its kind.
type Caller struct {
	ID   string
	Kind store.Kind
}

// BlockRequest is what a caller asks to block.
type BlockRequest struct {
	Address   string        // an IP address or CIDR range
	AgentID   string        // an agent identity (package agentid, as the technician's joined event shows it)
	For       time.Duration // 0: DefaultBlockFor, or permanent for an administrator with Permanent
	Permanent bool          // administrators only
	Reason    string
}

// SetBlockLimits sets how long an operator's block lasts by default and
// at most; zero keeps the built-in default.
func (a *Admin) SetBlockLimits(def, max time.Duration) {
	if def > 0 {
		a.blockFor = def
	}
	if max > 0 {
		a.blockMax = max
	}
}

func (a *Admin) blockLimits() (def, max time.Duration) {
	def, max = a.blockFor, a.blockMax
	if def == 0 {
		def = DefaultBlockFor
	}
	if max == 0 {
		max = DefaultBlockMax
	}
	return min(def, max), max
}

// BlockCustomer stores and audits a block.
func (a *Admin) BlockCustomer(ctx context.Context, by Caller, req BlockRequest) (store.CustomerBlock, error) {
	b, err := a.checkBlock(by, req)
	if err != nil {
		return store.CustomerBlock{}, err
	}
	if b, err = a.st.AddCustomerBlock(ctx, b); err != nil {
		return store.CustomerBlock{}, err
	}
	detail := map[string]string{"by_kind": string(by.Kind), "reason": b.Reason, "expires": "never"}
	if b.Prefix.IsValid() {
		detail["address"] = b.Prefix.String()
	}
	if b.AgentID != "" {
		detail["agent"] = b.AgentID
	}
	if !b.Expires.IsZero() {
		detail["expires"] = b.Expires.UTC().Format(time.RFC3339)
	}
	return b, a.record(ctx, "customer.blocked", blockSubject(b.ID), detail)
}

// checkBlock turns req into a block, applying the caller's limits.
func (a *Admin) checkBlock(by Caller, req BlockRequest) (store.CustomerBlock, error) {
	switch {
	case req.Address == "" && req.AgentID == "":
		return store.CustomerBlock{}, invalid("give the customer's address, their agent's identity (the technician's joined event shows it), or both")
	case req.AgentID != "" && !agentid.Valid(req.AgentID):
		return store.CustomerBlock{}, invalid("agent: an identity is %d base64url characters, as the technician shows it", agentid.Len)
	}
	var p netip.Prefix
	if req.Address != "" {
		var err error
		if p, err = auth.ParseIPRule(req.Address); err != nil {
			return store.CustomerBlock{}, invalid("address: %v", err)
		}
		if err := checkBreadth(by.Kind, p); err != nil {
			return store.CustomerBlock{}, err
		}
	}
	if len(req.Reason) > 200 {
		return store.CustomerBlock{}, invalid("reason: use at most 200 characters")
	}
	if req.For < 0 || (req.Permanent && req.For != 0) {
		return store.CustomerBlock{}, invalid("give either a positive duration or permanent, not both")
	}
	def, max := a.blockLimits()
	now := a.now()
	b := store.CustomerBlock{Prefix: p, AgentID: req.AgentID, Reason: req.Reason, CreatedBy: by.ID, CreatorKind: by.Kind, Created: now}
	switch {
	case by.Kind == store.KindAdministrator && req.Permanent:
	case by.Kind == store.KindAdministrator:
		b.Expires = now.Add(cmpOr(req.For, def))
	case req.Permanent:
		return store.CustomerBlock{}, fmt.Errorf("%w: operators block for at most %v: ask an administrator for a permanent block", ErrForbidden, max)
	case req.For > max:
		return store.CustomerBlock{}, invalid("operators block for at most %v: shorten the duration or ask an administrator", max)
	default:
		b.Expires = now.Add(cmpOr(req.For, def))
	}
	return b, nil
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// checkBreadth refuses ranges wide enough to block customers at large:
// nobody may block everything, and operators only a /24 (IPv4) or /48
// (IPv6) at the widest.
func checkBreadth(k store.Kind, p netip.Prefix) error {
	if p.Bits() == 0 {
		return invalid("%v would refuse every customer: block a narrower range", p)
	}
	limit := 24
	if p.Addr().Is6() {
		limit = 48
	}
	if k != store.KindAdministrator && p.Bits() < limit {
		return fmt.Errorf("%w: operators block at most a /%d: ask an administrator to block %v", ErrForbidden, limit, p)
	}
	return nil
}

// UnblockCustomer lifts block id. Operators lift only their own blocks.
func (a *Admin) UnblockCustomer(ctx context.Context, by Caller, id int64) error {
	b, err := a.st.CustomerBlock(ctx, id)
	if err != nil {
		return err
	}
	if by.Kind != store.KindAdministrator {
		if b.CreatorKind == store.KindAdministrator {
			return fmt.Errorf("%w: block %d is an administrator's: only an administrator can lift it", ErrForbidden, id)
		}
		if b.CreatedBy != by.ID {
			return fmt.Errorf("%w: block %d is another operator's: ask them or an administrator", ErrForbidden, id)
		}
	}
	if err := a.st.RemoveCustomerBlock(ctx, id); err != nil {
		return err
	}
	return a.record(ctx, "customer.unblocked", blockSubject(id), map[string]string{"address": b.Prefix.String(), "blocked_by": b.CreatedBy})
}

// CustomerBlocks lists active blocks: all of them for an administrator,
// an operator's own otherwise.
func (a *Admin) CustomerBlocks(ctx context.Context, by Caller) ([]store.CustomerBlock, error) {
	bs, err := a.st.CustomerBlocks(ctx, a.now())
	if err != nil || by.Kind == store.KindAdministrator {
		return bs, err
	}
	var own []store.CustomerBlock
	for _, b := range bs {
		if b.CreatedBy == by.ID && b.CreatorKind == store.KindOperator {
			own = append(own, b)
		}
	}
	return own, nil
}

// CustomerBlocked returns the active block covering addr or naming the
// agent identity agent (package agentid; "" names none), if any. The
// signaling server asks it on every join (with the agent's identity) and
// relay allocation (an address alone).
func (a *Admin) CustomerBlocked(ctx context.Context, addr netip.Addr, agent string) (store.CustomerBlock, bool, error) {
	bs, err := a.st.CustomerBlocks(ctx, a.now())
	if err != nil {
		return store.CustomerBlock{}, false, fmt.Errorf("check customer blocks: %w", err)
	}
	for _, b := range bs {
		if b.Matches(addr) || (agent != "" && b.AgentID == agent) {
			return b, true, nil
		}
	}
	return store.CustomerBlock{}, false, nil
}

func blockSubject(id int64) string { return "block:" + strconv.FormatInt(id, 10) }
