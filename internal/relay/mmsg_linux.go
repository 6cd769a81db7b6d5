//go:build linux

package relay

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Batched datagram I/O for the data plane: recvmmsg and sendmmsg on raw,
// non-blocking socket descriptors. They are raw syscalls, not through the
// runtime's syscall hooks: the sockets never block, and skipping
// entersyscall also spares waking sysmon on every datagram.

const (
	batchLen = 32   // datagrams per recvmmsg/sendmmsg
	maxData  = 1600 // largest datagram relayed, as pion's own buffers
	slotLen  = dataHeadroom + maxData + 4
)

// batch is a set of datagram slots with their headers prepared for
// recvmmsg/sendmmsg. It belongs to the data plane's loop goroutine.
type batch struct {
	hdrs  [batchLen]unix.Mmsghdr
	iovs  [batchLen]unix.Iovec
	names [batchLen]unix.RawSockaddrInet6
	bufs  [batchLen][]byte         // slotLen bytes each
	frame [batchLen][]byte         // to send: the frame within bufs[i]
	dst   [batchLen]netip.AddrPort // to send: where
	n     int                      // slots in use (pending sends)
}

func newBatch() *batch {
	b := new(batch)
	for i := range b.bufs {
		b.bufs[i] = make([]byte, slotLen)
	}
	return b
}

// recv reads up to batchLen-from datagrams into slots from.. at offset
// off, and returns how many arrived.
func (b *batch) recv(fd, from, off int) int {
	for i := from; i < batchLen; i++ {
		buf := b.bufs[i][off : off+maxData]
		b.iovs[i] = unix.Iovec{Base: &buf[0], Len: uint64(len(buf))}
		b.hdrs[i].Hdr = unix.Msghdr{
			Name: (*byte)(unsafe.Pointer(&b.names[i])), Namelen: unix.SizeofSockaddrInet6,
			Iov: &b.iovs[i], Iovlen: 1,
		}
	}
	n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(&b.hdrs[from])), uintptr(batchLen-from), unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0 // EAGAIN (another wakeup got it) or a socket error: nothing read
	}
	return int(n)
}

// datagram returns slot i's payload as read at offset off, and its
// sender; ok is false for a truncated datagram.
func (b *batch) datagram(i, off int) (data []byte, from netip.AddrPort, ok bool) {
	h := &b.hdrs[i]
	if h.Hdr.Flags&unix.MSG_TRUNC != 0 || h.Len >= maxData {
		return nil, from, false
	}
	return b.bufs[i][off : off+int(h.Len)], sockaddrToAddrPort(&b.names[i]), true
}

// swap exchanges slots i and j, so kept datagrams stay contiguous.
func (b *batch) swap(i, j int) {
	b.bufs[i], b.bufs[j] = b.bufs[j], b.bufs[i]
}

// flush sends the pending frames on fd (all to their own destinations)
// and empties the batch. It returns how many were sent; a datagram the
// kernel refuses (full buffer, unreachable client) is dropped, as UDP
// would.
func (b *batch) flush(fd int, v6 bool) (sent, bytes int) {
	for i := 0; i < b.n; i++ {
		f := b.frame[i]
		b.iovs[i] = unix.Iovec{Base: &f[0], Len: uint64(len(f))}
		namelen := putSockaddr(&b.names[i], b.dst[i], v6)
		b.hdrs[i].Hdr = unix.Msghdr{
			Name: (*byte)(unsafe.Pointer(&b.names[i])), Namelen: namelen,
			Iov: &b.iovs[i], Iovlen: 1,
		}
	}
	for i := 0; i < b.n; {
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(fd),
			uintptr(unsafe.Pointer(&b.hdrs[i])), uintptr(b.n-i), unix.MSG_DONTWAIT, 0, 0)
		if errno != 0 {
			i++ // the first datagram failed: drop it, go on with the rest
			continue
		}
		for _, f := range b.frame[i : i+int(n)] {
			bytes += len(f)
		}
		sent += int(n)
		i += int(n)
	}
	b.n = 0
	return sent, bytes
}

// epollPoll returns the ready events without waiting (the loop waits in
// the runtime's netpoller instead); 0 on EINTR or when none is ready.
// unix.EpollWait would go through entersyscall, which wakes sysmon on
// every call: about 8% of the relay's CPU on the benchmark.
func epollPoll(epfd int, evs []unix.EpollEvent) int {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(epfd),
		uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(n)
}

// sendTo sends one datagram on fd without blocking; false if the kernel
// refused it.
func sendTo(fd int, p []byte, to netip.AddrPort, v6 bool) bool {
	var sa unix.RawSockaddrInet6
	namelen := putSockaddr(&sa, to, v6)
	if namelen == 0 {
		return false
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))),
		uintptr(len(p)), unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), uintptr(namelen))
	return errno == 0
}

// putSockaddr writes to into sa in the socket's family: an IPv6 socket
// (a dual-stack listener) reaches IPv4 hosts at their v4-mapped address.
func putSockaddr(sa *unix.RawSockaddrInet6, to netip.AddrPort, v6 bool) uint32 {
	var port [2]byte
	binary.BigEndian.PutUint16(port[:], to.Port())
	if !v6 {
		if !to.Addr().Is4() {
			return 0 // no IPv6 destination from an IPv4 socket
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: to.Addr().As4()}
		sa4.Port = *(*uint16)(unsafe.Pointer(&port))
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: to.Addr().As16()}
	sa.Port = *(*uint16)(unsafe.Pointer(&port))
	return unix.SizeofSockaddrInet6
}

// sockaddrToAddrPort decodes a sockaddr_in or sockaddr_in6, unmapping
// v4-mapped addresses so that one peer has one key.
func sockaddrToAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:])
	if sa.Family == unix.AF_INET {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
}
