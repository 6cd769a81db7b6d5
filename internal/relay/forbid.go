package relay

import (
	"encoding/binary"
	"net"
	"net/netip"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

// Some requests are answered before pion sees them, because pion would
// answer them wrongly or not know to refuse them:
//
//   - pion answers a ChannelBind that the PermissionHandler refuses with
//     401 (Unauthorized) instead of 403 (Forbidden, RFC 8656 §9.3). A
//     client reads 401 as "your credential is stale": it retries with a
//     new nonce, and an application cannot tell a refused peer from a bad
//     password.
//   - pion's PermissionHandler sees only the peer's IP, so it cannot refuse
//     a CreatePermission, ChannelBind or Connect to the relay's own host
//     at a port that is no live relayed socket (ownhost.go).
//   - with TCP allocations off, an Allocate for TCP gets 442 (Unsupported
//     Transport Protocol), as RFC 8656 §7.2 asks for a transport the server
//     does not support.
//
// When such a request carries a valid MESSAGE-INTEGRITY for a live
// credential (its session not ended, sessions.go), the relay answers it
// itself, signed with the same key, and drops it. Anything else (no
// integrity, a bad key, a permitted peer) goes to pion unchanged. This is
// about answering right; what enforces the policy is the
// PermissionHandler, and the port checks where data leaves (ownhost.go)
// and in the relay address generator (relayaddr.go). The nonce is not
// checked: the answer to a replayed request is the same.

// STUN message types of the requests looked at (class request).
const (
	typeAllocateRequest      = 0x0003
	typeCreatePermRequest    = 0x0008
	methodChannelBindRequest = 0x0009
	typeConnectRequest       = 0x000a

	protoTCP = 6 // REQUESTED-TRANSPORT for a TCP allocation
)

// forbiddenRequest returns the error response that replaces pion's answer
// to frame, or nil when frame is to be handed to pion.
func (r *Relay) forbiddenRequest(frame []byte, src net.Addr) []byte {
	// Cheap test first: this runs on every frame the listeners read.
	if len(frame) < stunHeaderLen {
		return nil
	}
	switch binary.BigEndian.Uint16(frame) {
	case methodChannelBindRequest, typeCreatePermRequest, typeConnectRequest:
	case typeAllocateRequest:
		if r.cfg.TCPAllocations {
			return nil
		}
	default:
		return nil
	}
	m := &stun.Message{Raw: append([]byte(nil), frame...)}
	if m.Decode() != nil {
		return nil
	}
	code, peer, reason := r.refusal(m)
	if code == 0 {
		return nil
	}
	key, ok := r.integrityKey(m)
	if !ok {
		return nil
	}
	if peer.IsValid() {
		r.refused(src, net.IP(peer.Addr().AsSlice()), reason)
	} else {
		r.log.Info("allocation refused: TCP allocations are off", "client", addrString(src))
	}
	resp, err := stun.Build(
		&stun.Message{TransactionID: m.TransactionID},
		stun.NewType(m.Type.Method, stun.ClassErrorResponse),
		&stun.ErrorCodeAttribute{Code: code},
		key,
	)
	if err != nil {
		return nil
	}
	return resp.Raw
}

// refusal returns the error code for a request the relay refuses, with
// the refused peer and why; code 0 lets the request through.
func (r *Relay) refusal(m *stun.Message) (code stun.ErrorCode, peer netip.AddrPort, reason string) {
	if m.Type.Method == stun.MethodAllocate {
		if v, err := m.Get(stun.AttrRequestedTransport); err == nil && len(v) > 0 && v[0] == protoTCP {
			return stun.CodeUnsupportedTransProto, peer, "tcp-allocation"
		}
		return 0, peer, ""
	}
	// CreatePermission may name several peers; one refused refuses all,
	// as pion does.
	for _, a := range m.Attributes {
		if a.Type != stun.AttrXORPeerAddress {
			continue
		}
		ap, ok := parseXORAddr(a.Value, m.Raw[8:stunHeaderLen])
		if !ok {
			return 0, peer, "" // malformed: pion answers 400
		}
		if ok, reason := r.peerAllowed(m.Type.Method, ap); !ok {
			return stun.CodeForbidden, ap, reason
		}
	}
	return 0, peer, ""
}

// integrityKey returns the long-term key of m's credential when m carries
// a valid MESSAGE-INTEGRITY for a live one.
func (r *Relay) integrityKey(m *stun.Message) (stun.MessageIntegrity, bool) {
	var user stun.Username
	if user.GetFrom(m) != nil {
		return nil, false
	}
	password, session, err := turncred.Check(r.cfg.Secret, user.String(), r.now())
	if err != nil || r.sessions.isEnded(session) {
		return nil, false // pion answers 401, as to any dead credential
	}
	key := stun.MessageIntegrity(turn.GenerateAuthKey(user.String(), r.cfg.Realm, password))
	if key.Check(m) != nil {
		return nil, false
	}
	return key, true
}

// forbidPacketConn is the UDP listener socket as pion sees it: refused
// requests are answered here and never reach pion.
type forbidPacketConn struct {
	net.PacketConn
	r *Relay
}

func (c forbidPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		resp := c.r.forbiddenRequest(p[:n], addr)
		if resp == nil {
			return n, addr, nil
		}
		if _, err := c.PacketConn.WriteTo(resp, addr); err != nil {
			c.r.log.Debug("send 403", "err", err)
		}
	}
}
