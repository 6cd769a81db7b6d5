package peer

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// pion's controlling ICE agent (our Offerer) does not nominate a valid
// candidate pair until a minimum wait, per candidate type, has passed since
// checks began, so that a better pair still being checked can win; the
// Answerer just accepts the nomination. pion's defaults (host 0, srflx
// 500 ms, prflx 1 s, relay 2 s) went straight into the time to connect:
//
//   - Relay-only: 2 s, measured on loopback: the relay pair was valid 3 ms
//     after checks began and nominated at 2008 ms. Every pair goes through
//     our relay; the only thing worth waiting for is a UDP pair over a TCP
//     or TLS one (relayOnlyWait). pion means to wait 0 here, but webrtc/v4 builds its ICE agent with options and ice/v4
//     picks that default before the candidate types are applied
//     (pion/ice#324, pion/webrtc#1635).
//   - Direct across NATs: 1 s. The direct pair is usually host -> prflx,
//     because pion gathers srflx candidates on sockets of their own, so
//     checks from a host socket arrive from a mapping nobody signaled. A
//     srflx or prflx pair is direct; what it may wait for is a host pair on
//     the same LAN, checked in the same round, which answers within
//     directAcceptanceWait. (With no wait at all, TestNATMatrix chose srflx
//     -> host on one LAN in 1 run of 20; with 50 ms the namespace lab did
//     the same once under the load of a full CI run, hence 150 ms; with
//     150 ms a clean-clone CI run on a loaded machine still chose host ->
//     prflx (a hairpin through the LAN's NAT) in TestNATMatrix's same-LAN
//     row, once in about fifteen runs, hence 300 ms. The wait counts from
//     the start of checks, and the other side's host candidate reaches us
//     by trickle after its answer, so a loaded signaling path eats into it.
//     A link across NATs pays it once, while the customer reads the
//     consent question; a LAN link's host pair is nominated at once.)
//   - Relay, when direct paths are allowed: relay pairs still wait
//     relayAcceptanceWait, enough for a direct pair behind filtering NATs,
//     whose first checks are dropped until both sides have sent, to succeed
//     on pion's next check round (every 200 ms) plus a round trip. Once a
//     direct pair is valid it outranks every relay pair, and pion only
//     nominates the best valid pair. (With no relay wait, TestNATMatrix
//     chose the relay in rows with a direct path in 2 runs of 10.)
//
// pion acts on nominations only on its check ticks or when a candidate
// arrives, so a wait costs up to one check interval beyond itself. pion
// never moves off a nominated pair: a link that lost the race to the relay
// (in the namespace lab, a direct prflx pair across two cone NATs is valid
// 0.40-0.44 s into checks, against relayAcceptanceWait's 0.5 s) looks for
// a direct path again later (direct.go).
const (
	directAcceptanceWait = 300 * time.Millisecond
	relayAcceptanceWait  = 500 * time.Millisecond
	// relayOnlyWait lets a UDP relay pair, which pion ranks above TCP and
	// TLS ones, win over a TLS pair that happened to answer first: in the
	// namespace lab a relay-only session otherwise settled on TURN over
	// TLS in some runs although UDP to the relay was open (1 run in 5 at
	// 100 ms under the load of a parallel build, none in 6 at 300 ms, but
	// once more in CI). relayGate now keeps TLS pairs out of that race
	// whenever the relay answers over UDP within its head start.
	relayOnlyWait = 300 * time.Millisecond
)

// setAcceptanceWaits sets the waits above, or none at all on a relay-only
// link, where every pair has a local relay candidate.
func setAcceptanceWaits(se *webrtc.SettingEngine, cfg Config) {
	direct, relay := directAcceptanceWait, relayAcceptanceWait
	if cfg.RelayOnly {
		direct, relay = 0, relayOnlyWait
	}
	se.SetHostAcceptanceMinWait(0)
	se.SetSrflxAcceptanceMinWait(direct)
	se.SetPrflxAcceptanceMinWait(direct)
	se.SetRelayAcceptanceMinWait(relay)
}
