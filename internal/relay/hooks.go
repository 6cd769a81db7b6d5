package relay

import (
	"net"
	"net/netip"
	"strings"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"

	"github.com/tandem-remote/tandem/internal/link/pionlog"
)

// serverConfig wires the relay's hooks into pion; listen adds the
// listeners.
func (r *Relay) serverConfig() turn.ServerConfig {
	return turn.ServerConfig{
		Realm:              r.cfg.Realm,
		PermissionTimeout:  r.cfg.permissionTimeout,
		ChannelBindTimeout: r.cfg.channelTimeout,
		LoggerFactory:      pionlog.Factory{Log: r.log, Key: "scope"},
		AuthHandler:        r.authenticate,
		QuotaHandler:       r.reserve,
		EventHandler: turn.EventHandler{
			OnAuth:              r.onAuth,
			OnAllocationCreated: r.onAllocationCreated,
			OnAllocationDeleted: r.onAllocationDeleted,
			OnAllocationError:   func(src, _ net.Addr, _, _ string) { r.quotas.failed(src) },
			OnPermissionCreated: r.onPermission(true),
			OnPermissionDeleted: r.onPermission(false),
			OnChannelCreated:    r.onChannel(true),
			OnChannelDeleted:    r.onChannel(false),
		},
	}
}

// authenticate checks a TURN REST username and returns the long-term key
// its password gives. The whole username is the quota's "user": it is
// bound to one session and one expiry.
func (r *Relay) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	password, _, err := turncred.Check(r.cfg.Secret, ra.Username, r.now())
	if err == nil {
		err = r.sessionLive(ra.Username) // refused once the session ended
	}
	if err != nil {
		r.metrics.authFailures.Inc()
		r.log.Debug("credential refused", "client", addrString(ra.SrcAddr), "err", err)
		return "", nil, false
	}
	return ra.Username, turn.GenerateAuthKey(ra.Username, r.cfg.Realm, password), true
}

// onAuth counts wrong passwords: pion learns of those only after
// authenticate, when MESSAGE-INTEGRITY does not match the key.
func (r *Relay) onAuth(src, _ net.Addr, _, _, _, method string, verdict bool) {
	if !verdict {
		r.metrics.authFailures.Inc()
		r.log.Debug("message integrity mismatch", "client", addrString(src), "method", method)
	}
}

func (r *Relay) reserve(user, _ string, src net.Addr) bool {
	if r.cfg.Refuse != nil && r.cfg.Refuse(clientIP(src)) {
		r.metrics.quotaRefusals.WithLabelValues("blocked").Inc()
		r.log.Info("allocation refused: client blocked", "session", session(user), "client", addrString(src))
		return false
	}
	full := r.quotas.reserve(user, src)
	if full == "" {
		return true
	}
	r.metrics.quotaRefusals.WithLabelValues(full).Inc()
	r.log.Info("allocation refused: quota", "quota", full, "session", session(user), "client", addrString(src))
	return false
}

func (r *Relay) onAllocationCreated(src, dst net.Addr, proto, user, _ string, relayAddr net.Addr, _ int) {
	r.quotas.created(src)
	if r.dp != nil {
		r.dp.allocationCreated(src, dst, relayAddr)
	}
	r.metrics.allocsActive.Inc()
	r.metrics.allocsTotal.Inc()
	r.log.Info("allocation created", "session", session(user), "client", addrString(src),
		"transport", proto, "relay", addrString(relayAddr))
}

func (r *Relay) onAllocationDeleted(src, _ net.Addr, _, user, _ string) {
	r.quotas.released(user)
	r.metrics.allocsActive.Dec()
	r.log.Info("allocation closed", "session", session(user), "client", addrString(src))
}

// onPermission and onChannel keep the data plane's copy of permissions
// and channel bindings in step with pion's (dataplane_table_linux.go).
func (r *Relay) onPermission(add bool) func(_, _ net.Addr, _, _, _ string, relayAddr net.Addr, peer net.IP) {
	return func(_, _ net.Addr, _, _, _ string, relayAddr net.Addr, peer net.IP) {
		if r.dp != nil {
			r.dp.permission(relayAddr, peer, add)
		}
	}
}

func (r *Relay) onChannel(add bool) func(_, _ net.Addr, _, _, _ string, relayAddr, peer net.Addr, num uint16) {
	return func(_, _ net.Addr, _, _, _ string, relayAddr, peer net.Addr, num uint16) {
		if r.dp != nil {
			r.dp.channel(relayAddr, peer, num, add)
		}
	}
}

// permit is every listener's PermissionHandler (CreatePermission,
// ChannelBind, Connect). pion passes the peer's IP only: the own-host
// port check happens in forbid.go and where data leaves (ownhost.go).
func (r *Relay) permit(client net.Addr, peer net.IP) bool {
	ok, reason := r.policy.permit(peer)
	if !ok {
		r.refused(client, peer, reason)
	}
	return ok
}

// peerAllowed is the whole peer check for an address with its port, as a
// request of method names it: the peer-address policy, then the relay's
// own host. Connect reaches TCP allocations, ChannelBind UDP ones, and a
// CreatePermission serves either kind.
func (r *Relay) peerAllowed(method stun.Method, ap netip.AddrPort) (ok bool, reason string) {
	if ok, reason := r.policy.permitAddr(ap.Addr()); !ok {
		return false, reason
	}
	var own bool
	switch method {
	case stun.MethodConnect:
		own = r.own.permits(liveTCP, ap)
	case stun.MethodCreatePermission:
		own = r.own.permits(liveUDP, ap) || r.own.permits(liveTCP, ap)
	default:
		own = r.own.permits(liveUDP, ap)
	}
	if !own {
		return false, "own-host"
	}
	return true, ""
}

func (r *Relay) refused(client net.Addr, peer net.IP, reason string) {
	r.metrics.permRefusals.WithLabelValues(reason).Inc()
	r.log.Info("peer refused", "client", addrString(client), "peer", peer.String(), "reason", reason)
}

// session is the credential's tag, safe to log: the password is the secret.
func session(user string) string {
	_, tag, _ := strings.Cut(user, ":")
	return tag
}

// clientIP is a client's address for Config.Refuse; invalid if unknown.
func clientIP(a net.Addr) netip.Addr {
	var ip net.IP
	switch a := a.(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	default:
		if ap, err := netip.ParseAddrPort(addrString(a)); err == nil {
			return ap.Addr().Unmap()
		}
		return netip.Addr{}
	}
	addr, _ := netip.AddrFromSlice(ip)
	return addr.Unmap()
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
