package peer

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/webrtc/v4"
)

// TestRelayDialOtherFamily: pion asks for every TCP relay on tcp4 and on
// tcp6. For an IP literal the other family is refused at once, without a
// connection attempt and without waiting for the UDP head start; the
// literal's own family connects.
func TestRelayDialOtherFamily(t *testing.T) {
	ln := must(net.Listen("tcp4", "127.0.0.1:0"))(t)
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	d := turnTLSDialer(Config{ICEServers: []webrtc.ICEServer{{URLs: []string{"turn:" + ln.Addr().String() + "?transport=tcp"}}}})

	if _, err := d.Dial("tcp6", ln.Addr().String()); !errors.Is(err, errOtherFamily) {
		t.Fatalf("tcp6 dial of IPv4 relay %s: %v, want %v", ln.Addr(), err, errOtherFamily)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("relay accepted %d connections after the tcp6 dial, want 0", n)
	}
	c, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatalf("tcp4 dial of IPv4 relay: %v", err)
	}
	_ = c.Close()
}

// TestRelayDialOtherFamilyNotHeld: with a UDP relay URL too, TCP relay
// dials wait out the UDP head start; a dial of the other family is refused
// before it (pion gathers again on every ICE restart, so each held dial
// would delay that gathering's end).
func TestRelayDialOtherFamilyNotHeld(t *testing.T) {
	for _, tc := range []struct{ network, addr string }{
		{"tcp6", "203.0.113.10:443"},
		{"tcp6", "[::ffff:203.0.113.10]:443"},
		{"tcp4", "[2001:db8::10]:443"},
	} {
		t.Run(tc.network+" "+tc.addr, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := turnTLSDialer(Config{ICEServers: []webrtc.ICEServer{{URLs: []string{
					"turn:" + tc.addr + "?transport=udp", "turns:" + tc.addr + "?transport=tcp"}}}})
				d.gate.headStart = time.Hour
				done := make(chan error, 1)
				go func() {
					_, err := d.Dial(tc.network, tc.addr)
					done <- err
				}()
				synctest.Wait()
				select {
				case err := <-done:
					if !errors.Is(err, errOtherFamily) {
						t.Errorf("Dial(%s, %s): %v, want %v", tc.network, tc.addr, err, errOtherFamily)
					}
				default:
					d.relayGathered() // release it, refused, to end the bubble
					t.Errorf("Dial(%s, %s) held for the UDP head start, then: %v", tc.network, tc.addr, <-done)
				}
			})
		})
	}
}

// TestCloseEndsRelayDial: a link whose TLS relay dial hangs (a firewall
// that drops the relay's port silently, here a relay that accepts TCP and
// never answers TLS) closes at once. pion waits for its gathering's dials
// before it closes, so without the dialer's own cancellation Close would
// wait for the dial timeout, set to an hour here.
func TestCloseEndsRelayDial(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 30*time.Second)
	ln := must(net.Listen("tcp4", "127.0.0.1:0"))(t)
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		close(accepted)
		for c := range accepted {
			_ = c.Close()
		}
	})
	cred := must(issueCred())(t)
	l := must(New(Config{
		Role: Offerer, RelayOnly: true, Send: func(Signal) error { return nil },
		ICEServers: []webrtc.ICEServer{{URLs: []string{"turns:" + ln.Addr().String() + "?transport=tcp"},
			Username: cred.Username, Credential: cred.Password}},
	}))(t)
	l.relays.timeout = time.Hour
	check(t, l.Start(ctx))
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("the link never dialled its relay")
	}
	closed := make(chan error, 1)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		check(t, err)
	case <-ctx.Done():
		t.Fatal("Close still waits for the relay's TLS handshake")
	}
}
