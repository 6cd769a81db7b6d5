package peer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// TURN over UDP gets a head start over TURN over TCP and TLS, as Happy
// Eyeballs gives IPv6 one over IPv4. pion gathers every relay URL at once
// and its controlling agent nominates the best pair valid when the
// acceptance wait ends; pion ranks UDP relay candidates above TLS ones, but
// a TLS pair that answered first still won when the UDP pair was slower to
// check: in the namespace lab a relay-only session with UDP to the relay
// open settled on TURN over TLS in 1 run of 6 under the load of parallel
// package tests, and once when the lab ran alone in CI. TLS to the relay
// costs more (head-of-line blocking, a TCP connection per allocation), so
// while the relay answers over UDP it is not worth an allocation at all.
//
// relayGate holds each TCP or TLS relay dial back until a relay candidate
// has been gathered (it can only have come over UDP, since every TCP dial
// is held) or relayHeadStart has passed (UDP to the relay is blocked or
// slow): the first refuses the dial, the second lets it through. The cost
// is relayHeadStart added to the time to connect where UDP is blocked.
const relayHeadStart = 500 * time.Millisecond

// errUDPRelayUp refuses a TCP or TLS relay dial; pion logs it and gathers
// no candidate from that URL.
var errUDPRelayUp = errors.New("not needed: the relay answered over UDP")

type relayGate struct {
	headStart time.Duration
	mu        sync.Mutex
	held      int           // dials waiting
	up        chan struct{} // closed when a relay candidate arrives while dials wait
	upClosed  bool
}

// wait blocks a TCP or TLS relay dial for up to the head start. It returns
// errUDPRelayUp when a UDP relay candidate was gathered meanwhile, and
// ctx's error when ctx ends first.
func (g *relayGate) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.held == 0 {
		g.up, g.upClosed = make(chan struct{}), false
	}
	g.held++
	up := g.up
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.held--
		g.mu.Unlock()
	}()
	t := time.NewTimer(g.headStart)
	defer t.Stop()
	select {
	case <-up:
		return errUDPRelayUp
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// relayGathered notes a local relay candidate. One gathered while dials
// wait came over UDP and releases them, refused.
func (g *relayGate) relayGathered() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held > 0 && !g.upClosed {
		close(g.up)
		g.upClosed = true
	}
}
