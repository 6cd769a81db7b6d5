package relay

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

// TestLocalRoutes: the local routing table as read over rtnetlink holds
// loopback's prefix, which every Linux host has, and no route of another
// type or table (the default route, the subnet routes of the main table).
func TestLocalRoutes(t *testing.T) {
	routes, err := localRoutes()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(routes, netip.MustParsePrefix("127.0.0.0/8")) {
		t.Errorf("local routes %v lack 127.0.0.0/8", routes)
	}
	for _, p := range routes {
		if p.Bits() == 0 {
			t.Errorf("local routes hold %v", p)
		}
	}
}

// TestOwnHostWatchLab: a prefix routed locally after the relay started is
// its own as soon as the kernel announces the route, not at the next
// periodic refresh (an hour here).
func TestOwnHostWatchLab(t *testing.T) {
	netlab.Require(t)
	lab := netlab.New(t)
	host := lab.Server("relay", netlab.RelayAddr)
	var w *ownWatch
	if err := host.Do(func() (err error) { w, err = openOwnWatch(); return err }); err != nil {
		t.Fatal(err)
	}
	o := newOwnHost(50000, 50999, func() ([]net.Addr, error) { return nil, nil })
	o.routes = func() (routes []netip.Prefix, err error) {
		err = host.Do(func() (err error) { routes, err = localRoutes(); return err })
		return routes, err
	}
	if err := o.refresh(); err != nil {
		t.Fatal(err)
	}
	anyIP := netip.MustParseAddr("198.51.100.7")
	if !o.is(netlab.RelayAddr) || o.is(anyIP) {
		t.Fatalf("before the route: is(%v) = %v, is(%v) = %v; want true, false", netlab.RelayAddr, o.is(netlab.RelayAddr), anyIP, o.is(anyIP))
	}
	ctx, cancel := context.WithCancel(t.Context())
	changed := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() { notify(w, changed) })
	wg.Go(func() { o.run(ctx, time.Hour, changed, func(err error) { t.Error(err) }) })
	defer wg.Wait()
	defer w.close()
	defer cancel()

	host.IP("route", "add", "local", "198.51.100.0/24", "dev", "lo")
	for deadline := time.Now().Add(10 * time.Second); !o.is(anyIP); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a locally routed prefix is not the relay's own host after the kernel announced it")
		}
	}
	if o.is(netip.MustParseAddr("198.51.101.7")) {
		t.Error("an address outside the prefix counts as own")
	}
}
