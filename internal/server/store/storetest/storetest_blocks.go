package storetest

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// testCustomerBlocks: blocks are stored normalized, listed while active
// (permanent ones always), survive reopening, and are removed by ID.
func testCustomerBlocks(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	perm, err := s.AddCustomerBlock(ctx, store.CustomerBlock{Prefix: netip.MustParsePrefix("::ffff:198.51.100.7/128"),
		Reason: "abuse", CreatedBy: "root", CreatorKind: store.KindAdministrator, Created: t0})
	must(t, err)
	temp, err := s.AddCustomerBlock(ctx, store.CustomerBlock{Prefix: netip.MustParsePrefix("2001:db8::1/48"),
		CreatedBy: "op1", CreatorKind: store.KindOperator, Created: t0, Expires: t0.Add(time.Hour)})
	must(t, err)
	if perm.ID == 0 || temp.ID == perm.ID {
		t.Fatalf("IDs %d and %d: want distinct, non-zero", perm.ID, temp.ID)
	}
	if _, err := s.AddCustomerBlock(ctx, store.CustomerBlock{CreatedBy: "x", CreatorKind: store.KindOperator}); err == nil {
		t.Error("stored a block with neither address nor agent ID")
	}

	s.Close()
	s = openT(t, open) // blocks survive a restart
	got, err := s.CustomerBlock(ctx, perm.ID)
	must(t, err)
	if got.Prefix != netip.MustParsePrefix("198.51.100.7/32") || got.Reason != "abuse" || got.CreatedBy != "root" ||
		got.CreatorKind != store.KindAdministrator || !got.Created.Equal(t0) || !got.Expires.IsZero() {
		t.Errorf("permanent block read back as %+v", got)
	}
	if !got.Matches(netip.MustParseAddr("::ffff:198.51.100.7")) || got.Matches(netip.MustParseAddr("198.51.100.8")) {
		t.Error("Matches disagrees with the prefix")
	}
	listIDs := func(at time.Time) []int64 {
		bs, err := s.CustomerBlocks(ctx, at)
		must(t, err)
		var ids []int64
		for _, b := range bs {
			ids = append(ids, b.ID)
		}
		return ids
	}
	if ids := listIDs(t0.Add(time.Minute)); len(ids) != 2 || ids[0] != perm.ID || ids[1] != temp.ID {
		t.Errorf("active blocks before expiry = %v, want [%d %d]", ids, perm.ID, temp.ID)
	}
	if ids := listIDs(t0.Add(time.Hour)); len(ids) != 1 || ids[0] != perm.ID {
		t.Errorf("active blocks at expiry = %v, want [%d]", ids, perm.ID)
	}
	t2, err := s.CustomerBlock(ctx, temp.ID)
	must(t, err)
	if t2.Prefix != netip.MustParsePrefix("2001:db8::/48") || !t2.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("temporary block read back as %+v", t2)
	}

	must(t, s.RemoveCustomerBlock(ctx, perm.ID))
	wantErr(t, s.RemoveCustomerBlock(ctx, perm.ID), store.ErrNotFound)
	_, err = s.CustomerBlock(ctx, perm.ID)
	wantErr(t, err, store.ErrNotFound)
}
