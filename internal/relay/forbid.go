package relay

import (
	"net"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/turncred"
)

// pion/turn answers a CreatePermission or Connect that the
// PermissionHandler refuses with 403 (Forbidden), as RFC 8656 §9.3
// asks, but a refused ChannelBind with 401 (Unauthorized). A client
// reads 401 as "your credential is stale": it retries with a new nonce,
// and an application cannot tell a refused peer from a bad password.
//
// So the relay looks at ChannelBind requests before pion does: when the
// peer address is refused and the request carries a valid
// MESSAGE-INTEGRITY for a live credential, it answers 403 itself, signed
// with the same key, and drops the request. Anything else (no integrity,
// a bad key, a permitted peer) goes to pion unchanged, and pion's own
// PermissionHandler still refuses the peer, so this code only fixes the
// error code; it is not what enforces the policy. The nonce is not
// checked: the answer to a replayed request is the same 403.

const methodChannelBindRequest = 0x0009 // STUN message type: ChannelBind, class request

// forbiddenChannelBind returns the 403 response that replaces pion's
// answer to frame, or nil when frame is to be handed to pion.
func (r *Relay) forbiddenChannelBind(frame []byte, src net.Addr) []byte {
	// Cheap test first: this runs on every datagram the listener reads.
	if len(frame) < 20 || uint16(frame[0])<<8|uint16(frame[1]) != methodChannelBindRequest {
		return nil
	}
	m := &stun.Message{Raw: append([]byte(nil), frame...)}
	if m.Decode() != nil {
		return nil
	}
	var peer stun.XORMappedAddress
	if peer.GetFromAs(m, stun.AttrXORPeerAddress) != nil {
		return nil
	}
	ok, reason := r.policy.permit(peer.IP)
	if ok {
		return nil
	}
	var user stun.Username
	if user.GetFrom(m) != nil {
		return nil
	}
	password, _, err := turncred.Check(r.cfg.Secret, user.String(), r.now())
	if err != nil {
		return nil
	}
	key := stun.MessageIntegrity(turn.GenerateAuthKey(user.String(), r.cfg.Realm, password))
	if key.Check(m) != nil {
		return nil
	}
	r.refused(src, peer.IP, reason)
	resp, err := stun.Build(
		&stun.Message{TransactionID: m.TransactionID},
		stun.NewType(stun.MethodChannelBind, stun.ClassErrorResponse),
		&stun.ErrorCodeAttribute{Code: stun.CodeForbidden},
		key,
	)
	if err != nil {
		return nil
	}
	return resp.Raw
}

// forbidPacketConn is the UDP listener socket as pion sees it: refused
// ChannelBinds are answered here and never reach pion.
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
		resp := c.r.forbiddenChannelBind(p[:n], addr)
		if resp == nil {
			return n, addr, nil
		}
		if _, err := c.PacketConn.WriteTo(resp, addr); err != nil {
			c.r.log.Debug("send 403", "err", err)
		}
	}
}
