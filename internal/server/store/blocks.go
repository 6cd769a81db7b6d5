package store

import (
	"context"
	"net/netip"
	"time"
)

// CustomerBlock refuses a customer: their session joins and relay
// allocations. Prefix is the blocked address or range (NormalizePrefix
// form). AgentID is reserved for blocking by agent identity once agents
// have a persistent one; until then blocks are by address and AgentID is
// empty. A zero Expires is permanent.
type CustomerBlock struct {
	ID          int64
	Prefix      netip.Prefix
	AgentID     string
	Reason      string
	CreatedBy   string // account ID (or "local:USER" from the command line)
	CreatorKind Kind
	Created     time.Time
	Expires     time.Time
}

// Active reports whether the block applies at now.
func (b CustomerBlock) Active(now time.Time) bool { return b.Expires.IsZero() || now.Before(b.Expires) }

// Matches reports whether the block covers addr (IPv4-mapped unmapped).
func (b CustomerBlock) Matches(addr netip.Addr) bool {
	return b.Prefix.IsValid() && addr.IsValid() && b.Prefix.Contains(addr.Unmap().WithZone(""))
}

// CustomerBlocks stores customer blocks durably.
type CustomerBlocks interface {
	// AddCustomerBlock stores b (Prefix normalized) and returns it with its
	// new ID.
	AddCustomerBlock(ctx context.Context, b CustomerBlock) (CustomerBlock, error)
	// CustomerBlock returns one block, expired or not, or ErrNotFound.
	CustomerBlock(ctx context.Context, id int64) (CustomerBlock, error)
	// CustomerBlocks returns the blocks active at now, oldest first.
	CustomerBlocks(ctx context.Context, now time.Time) ([]CustomerBlock, error)
	// RemoveCustomerBlock deletes a block; an unknown ID is ErrNotFound.
	RemoveCustomerBlock(ctx context.Context, id int64) error
}
