//go:build linux

package relay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
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

// ownWatchGroups are the rtnetlink notifications that may change what the
// kernel delivers locally: addresses and routes, both families.
const ownWatchGroups = unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR |
	unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE

// ownWatch is a netlink socket subscribed to address and route changes,
// in the network namespace of the thread that opened it.
type ownWatch struct{ f *os.File }

func openOwnWatch() (*ownWatch, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: ownWatchGroups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink subscribe: %w", err)
	}
	// Non-blocking, so reads park in the runtime's netpoller and Close
	// ends them.
	return &ownWatch{f: os.NewFile(uintptr(fd), "netlink-route")}, nil
}

// wait returns when a notification (or several) arrived; an error once
// closed. A lost notification (ENOBUFS when the socket overflowed) counts
// as one: the caller reads everything again anyway.
func (w *ownWatch) wait() error {
	var buf [8192]byte
	_, err := w.f.Read(buf[:])
	if errors.Is(err, syscall.ENOBUFS) {
		return nil
	}
	return err
}

func (w *ownWatch) close() error { return w.f.Close() }
