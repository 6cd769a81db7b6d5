//go:build linux

package relay

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
)

// localRoutes reads the kernel's local routing table (RT_TABLE_LOCAL):
// every RTN_LOCAL route is an address or prefix the kernel delivers to
// this host. It sees what the interface list misses: AnyIP prefixes
// ("ip route add local 198.51.100.0/24 dev lo") and addresses local only
// through that table. It dumps every table over rtnetlink, as "ip route
// show table all" does, and keeps the local table's local routes.
func localRoutes() ([]netip.Prefix, error) {
	b, err := syscall.NetlinkRIB(syscall.RTM_GETROUTE, syscall.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("netlink route dump: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return nil, fmt.Errorf("netlink route dump: %w", err)
	}
	var out []netip.Prefix
	for i := range msgs {
		if p, ok := localRoute(&msgs[i]); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// localRoute returns the destination of m if m is an RTN_LOCAL route of
// the local table.
func localRoute(m *syscall.NetlinkMessage) (netip.Prefix, bool) {
	// struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type.
	if m.Header.Type != syscall.RTM_NEWROUTE || len(m.Data) < syscall.SizeofRtMsg {
		return netip.Prefix{}, false
	}
	dstLen, table, typ := int(m.Data[1]), uint32(m.Data[4]), m.Data[7]
	if typ != syscall.RTN_LOCAL {
		return netip.Prefix{}, false
	}
	attrs, err := syscall.ParseNetlinkRouteAttr(m)
	if err != nil {
		return netip.Prefix{}, false
	}
	var dst netip.Addr
	for _, a := range attrs {
		switch a.Attr.Type {
		case syscall.RTA_TABLE: // tables above 255 are named here only
			if len(a.Value) == 4 {
				table = binary.NativeEndian.Uint32(a.Value)
			}
		case syscall.RTA_DST:
			dst, _ = netip.AddrFromSlice(a.Value)
		}
	}
	if table != syscall.RT_TABLE_LOCAL || !dst.IsValid() || dstLen > dst.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(dst, dstLen), true
}
