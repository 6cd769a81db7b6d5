package relay

import (
	"encoding/binary"
	"net/netip"
)

// The data plane (dataplane_linux.go) reads and writes the three TURN
// framings that carry application data itself, without pion: ChannelData
// (RFC 8656 §12.4), Send indications (client to relay, §11.2) and Data
// indications (relay to client, §11.4). Everything else is a control
// message for pion. Parsing here is deliberately narrow: anything that is
// not exactly the expected shape reports ok=false and goes to pion, which
// then answers or drops it as it always did.

const (
	stunMagicCookie = 0x2112A442
	typeSendInd     = 0x0016 // Send indication
	typeDataInd     = 0x0017 // Data indication

	attrXORPeerAddress = 0x0012
	attrData           = 0x0013
	attrDontFragment   = 0x001A

	channelHeaderLen = 4

	// dataHeadroom is the room reserved in front of a datagram read from a
	// peer, so that either framing is written in place without a copy:
	// STUN header, XOR-PEER-ADDRESS for IPv6 (4+20), DATA header (4).
	dataHeadroom = stunHeaderLen + 24 + 4
)

// parseChannelData returns the channel number and payload of a ChannelData
// message. Over UDP the frame may carry padding after the payload.
func parseChannelData(b []byte) (num uint16, data []byte, ok bool) {
	if len(b) < channelHeaderLen {
		return 0, nil, false
	}
	num = binary.BigEndian.Uint16(b)
	n := int(binary.BigEndian.Uint16(b[2:]))
	if num>>14 != 1 || n > len(b)-channelHeaderLen { // only bound numbers are relayed
		return 0, nil, false
	}
	return num, b[channelHeaderLen : channelHeaderLen+n], true
}

// isChannelData reports whether b starts like a ChannelData message (first
// two bits 01), as opposed to STUN (00).
func isChannelData(b []byte) bool { return len(b) >= channelHeaderLen && b[0]>>6 == 1 }

// parseSendIndication returns the peer and payload of a Send indication.
// It accepts only the attributes a Send indication may carry; any other
// comprehension-required attribute makes it pion's to handle (pion
// drops such indications).
func parseSendIndication(b []byte) (peer netip.AddrPort, data []byte, ok bool) {
	if len(b) < stunHeaderLen || binary.BigEndian.Uint16(b) != typeSendInd ||
		binary.BigEndian.Uint32(b[4:]) != stunMagicCookie {
		return peer, nil, false
	}
	end := stunHeaderLen + int(binary.BigEndian.Uint16(b[2:]))
	if end > len(b) || end%4 != 0 {
		return peer, nil, false
	}
	var havePeer, haveData bool
	for off := stunHeaderLen; off+4 <= end; {
		t, l := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		v := off + 4
		if v+l > end {
			return peer, nil, false
		}
		switch {
		case t == attrXORPeerAddress && !havePeer:
			if peer, ok = parseXORAddr(b[v:v+l], b[8:stunHeaderLen]); !ok {
				return peer, nil, false
			}
			havePeer = true
		case t == attrData && !haveData:
			data, haveData = b[v:v+l], true
		case t == attrDontFragment || t >= 0x8000:
			// DONT-FRAGMENT is advisory; comprehension-optional
			// attributes (FINGERPRINT, SOFTWARE) may be ignored.
		default:
			return peer, nil, false
		}
		off = v + (l+3)&^3
	}
	return peer, data, havePeer && haveData
}

// parseXORAddr decodes an XOR-MAPPED-ADDRESS style value; txid is the
// message's 12-byte transaction ID.
func parseXORAddr(v, txid []byte) (netip.AddrPort, bool) {
	if len(v) < 4 {
		return netip.AddrPort{}, false
	}
	port := binary.BigEndian.Uint16(v[2:]) ^ (stunMagicCookie >> 16)
	var key [16]byte
	binary.BigEndian.PutUint32(key[:], stunMagicCookie)
	copy(key[4:], txid)
	switch {
	case v[1] == 0x01 && len(v) == 8:
		var a [4]byte
		for i := range a {
			a[i] = v[4+i] ^ key[i]
		}
		return netip.AddrPortFrom(netip.AddrFrom4(a), port), true
	case v[1] == 0x02 && len(v) == 20:
		var a [16]byte
		for i := range a {
			a[i] = v[4+i] ^ key[i]
		}
		return netip.AddrPortFrom(netip.AddrFrom16(a).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}

// frameChannelData writes the ChannelData header in front of the n payload
// bytes at buf[dataHeadroom:] and returns the frame. Over UDP no padding
// is needed.
func frameChannelData(buf []byte, num uint16, n int) []byte {
	h := buf[dataHeadroom-channelHeaderLen:]
	binary.BigEndian.PutUint16(h, num)
	binary.BigEndian.PutUint16(h[2:], uint16(n))
	return h[:channelHeaderLen+n]
}

// frameDataIndication writes a Data indication from peer around the n
// payload bytes at buf[dataHeadroom:] and returns it. buf needs 3 bytes
// of room after the payload for padding; txid is a fresh random
// transaction ID.
func frameDataIndication(buf []byte, peer netip.AddrPort, n int, txid *[12]byte) []byte {
	addrLen := 8
	if peer.Addr().Is6() {
		addrLen = 20
	}
	start := dataHeadroom - 4 - (4 + addrLen) - stunHeaderLen
	m := buf[start:]
	pad := (4 - n%4) % 4
	binary.BigEndian.PutUint16(m, typeDataInd)
	binary.BigEndian.PutUint16(m[2:], uint16(4+addrLen+4+n+pad))
	binary.BigEndian.PutUint32(m[4:], stunMagicCookie)
	copy(m[8:stunHeaderLen], txid[:])
	a := m[stunHeaderLen:]
	binary.BigEndian.PutUint16(a, attrXORPeerAddress)
	binary.BigEndian.PutUint16(a[2:], uint16(addrLen))
	a[4] = 0
	binary.BigEndian.PutUint16(a[6:], peer.Port()^(stunMagicCookie>>16))
	var key [16]byte
	binary.BigEndian.PutUint32(key[:], stunMagicCookie)
	copy(key[4:], txid[:])
	if addrLen == 8 {
		a[5] = 0x01
		ip := peer.Addr().As4()
		for i := range ip {
			a[8+i] = ip[i] ^ key[i]
		}
	} else {
		a[5] = 0x02
		ip := peer.Addr().As16()
		for i := range ip {
			a[8+i] = ip[i] ^ key[i]
		}
	}
	d := a[4+addrLen:]
	binary.BigEndian.PutUint16(d, attrData)
	binary.BigEndian.PutUint16(d[2:], uint16(n))
	clear(d[4+n : 4+n+pad])
	return m[:stunHeaderLen+4+addrLen+4+n+pad]
}
