//go:build linux

package relay

import (
	"net/netip"
)

// The relaying itself: client -> relay -> peer (ChannelData and Send
// indications read from the listener) and peer -> relay -> client
// (datagrams read from a relayed socket, framed as ChannelData or a Data
// indication). Both directions relay only within the allocation's
// permissions (RFC 8656 §9: permissions are checked in both directions;
// a channel is used only while its permission lives too).

// readListener reads one batch from a UDP listener; the socket being
// level-triggered, whatever is left is reported again.
func (d *dataPlane) readListener(l *sock) {
	n := d.in.recv(l.fd, 0, 0)
	for i := range n {
		b, from, ok := d.in.datagram(i, 0)
		if !ok {
			continue // truncated: pion drops these too
		}
		a := l.clients[from]
		if a == nil || !d.fromClient(a, b) {
			l.toPion(b, from)
		}
	}
}

// fromClient relays a ChannelData message or Send indication from a's
// client to its peer. It returns false for anything else, which is pion's.
func (d *dataPlane) fromClient(a *alloc, b []byte) bool {
	var peer netip.AddrPort
	var data []byte
	if isChannelData(b) {
		num, payload, ok := parseChannelData(b)
		if !ok {
			return true // malformed: dropped, as pion would
		}
		if peer, ok = a.byNumber[num]; !ok {
			return true // unbound channel: dropped
		}
		data = payload
	} else {
		var ok bool
		if peer, data, ok = parseSendIndication(b); !ok {
			return false
		}
	}
	own, permitted := a.perms[peer.Addr()]
	if !permitted || peer.Addr().Is4() == a.relay.v6 {
		return true // no permission, or the other address family: dropped
	}
	if own && !d.own.isLive(liveUDP, peer) {
		d.ownDrops++
		return true // the relay's own host, not a live relayed socket (ownhost.go)
	}
	if sendTo(a.relay.fd, data, peer, a.relay.v6) {
		d.toPeerPkts++
		d.toPeerBytes += len(data)
	}
	return true
}

// readRelayed reads one batch from an allocation's relayed socket.
func (d *dataPlane) readRelayed(s *sock) {
	a := s.alloc
	if a == nil {
		// Not (yet) an allocation of a UDP client: pion relays it.
		n := d.scratch.recv(s.fd, 0, 0)
		for i := range n {
			if b, from, ok := d.scratch.datagram(i, 0); ok {
				s.toPion(b, from)
			}
		}
		return
	}
	out := a.lst.out
	if out.n == batchLen {
		d.flush(a.lst)
	}
	// Read straight into the listener's send batch, behind room for the
	// TURN framing, so that relaying copies nothing in user space.
	first := out.n
	n := out.recv(s.fd, first, dataHeadroom)
	for i := first; i < first+n; i++ {
		data, from, ok := out.datagram(i, dataHeadroom)
		if !ok || !a.permits(from.Addr()) {
			continue // RFC 8656 §10.3: no permission, no relaying
		}
		if num, bound := a.byPeer[from]; bound {
			out.frame[out.n] = frameChannelData(out.bufs[i], num, len(data))
		} else {
			d.rng.Read(d.txid[:])
			out.frame[out.n] = frameDataIndication(out.bufs[i], from, len(data), &d.txid)
		}
		out.dst[out.n] = a.client
		out.swap(out.n, i)
		out.n++
		d.fromPeerPkts++
		d.fromPeerBytes += len(data)
	}
}

// flush sends a listener's pending frames to their clients.
func (d *dataPlane) flush(l *sock) {
	l.out.flush(l.fd, l.v6)
}
