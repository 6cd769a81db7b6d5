//go:build linux

package relay

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The data plane relays application data for UDP allocations without
// pion. pion/turn spends, per relayed datagram, a goroutine wakeup per
// relayed socket, a netpoller round trip, a syscall that finds the socket
// empty, and several allocations; on loopback that made the relay cost
// more CPU per packet than coturn. Here one goroutine waits, through the
// runtime's netpoller, on an epoll set holding the UDP listener and every
// relayed socket (level-triggered), and each wakeup reads every ready
// socket with recvmmsg and answers clients with one sendmmsg per listener.
//
// pion still owns everything else: authentication, allocations, quotas,
// permissions, channel bindings and their lifetimes. Its event hooks
// (hooks.go) keep this plane's copy of each allocation's permissions and
// channels in step; pion only installs a permission or channel after the
// peer-address policy allowed it, so relaying here never reaches a peer
// pion would not. Permissions being per IP, the port of a peer on the
// relay's own host is checked here per datagram (ownhost.go), against a
// flag computed once per permission. STUN requests, and anything the
// plane does not handle, go to pion unchanged through the wrapped
// connections (dataplane_conn.go).
//
// Locking: the loop holds mu while it handles one epoll batch (a few
// microseconds), so the tables need no per-packet locking; pion's hooks
// and Close take mu and wait at most for the batch in progress.
//
// Sockets get larger receive buffers than the default (see rcvBuf), so
// that a moment without CPU on a busy host costs delay, not loss.

// dataPlane is the relay's fast path; nil when the network is not the
// host's (a pion vnet in tests), and then pion relays everything.
type dataPlane struct {
	m    *metrics
	own  *ownHost
	epfd int // never ep.Fd(): that would make the descriptor blocking
	ep   *os.File
	epRC syscall.RawConn
	done chan struct{} // closed when the loop has returned

	mu        sync.Mutex
	closed    bool
	socks     []*sock // by epoll token
	free      []int32 // unused tokens
	byRelay   map[netip.AddrPort]*sock
	listeners []*sock
	events    [batchLen]unix.EpollEvent
	in        *batch // the listener's reads
	scratch   *batch // slow-path reads from relayed sockets
	rng       *rand.ChaCha8
	txid      [12]byte

	// Counted during a wakeup, added to the metrics once at its end.
	toPeerPkts, toPeerBytes, fromPeerPkts, fromPeerBytes, ownDrops int
}

func newDataPlane(m *metrics, own *ownHost) (*dataPlane, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	// A non-blocking descriptor in os.NewFile is registered with the
	// runtime's netpoller: the loop parks like any reader would.
	ep := os.NewFile(uintptr(fd), "relay-epoll")
	rc, err := ep.SyscallConn()
	if err != nil {
		ep.Close()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	d := &dataPlane{
		m: m, own: own, epfd: fd, ep: ep, epRC: rc, done: make(chan struct{}),
		byRelay: map[netip.AddrPort]*sock{},
		in:      newBatch(), scratch: newBatch(), rng: rand.NewChaCha8(seed),
	}
	go d.run()
	return d, nil
}

// run is the loop; it returns when close closes the epoll descriptor.
func (d *dataPlane) run() {
	defer close(d.done)
	for d.epRC.Read(d.wakeup) == nil {
	}
}

// close stops the loop and waits for it. Sockets still registered are
// closed by their owners (pion) as usual.
func (d *dataPlane) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.ep.Close()
	<-d.done
}

// wakeup handles whatever is ready, then looks again before parking:
// relaying to a peer that is itself an allocation on this relay (both
// sides of a session behind the relay, as in the benchmark) makes that
// peer's relayed socket readable at once, and handling it in the same
// wakeup saves a trip through the netpoller. It returns false to park
// until the epoll set signals again.
func (d *dataPlane) wakeup(epfd uintptr) bool {
	for d.poll(int(epfd)) {
	}
	return false
}

// poll handles one epoll batch; false when nothing was ready. mu is taken
// per batch, so pion's hooks never wait longer than one.
func (d *dataPlane) poll(epfd int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := epollPoll(epfd, d.events[:])
	if n <= 0 || d.closed {
		return false
	}
	for _, ev := range d.events[:n] {
		switch s := d.socks[ev.Fd]; {
		case s == nil:
		case s.listener:
			d.readListener(s)
		default:
			d.readRelayed(s)
		}
	}
	for _, l := range d.listeners {
		if l.out.n > 0 {
			d.flush(l)
		}
	}
	d.count()
	return true
}

func (d *dataPlane) count() {
	if d.toPeerPkts > 0 {
		d.m.toPeerPackets.Add(uint64(d.toPeerPkts))
		d.m.toPeerBytes.Add(uint64(d.toPeerBytes))
	}
	if d.fromPeerPkts > 0 {
		d.m.fromPeerPackets.Add(uint64(d.fromPeerPkts))
		d.m.fromPeerBytes.Add(uint64(d.fromPeerBytes))
	}
	if d.ownDrops > 0 {
		d.m.ownHostDrops.Add(uint64(d.ownDrops))
	}
	d.toPeerPkts, d.toPeerBytes, d.fromPeerPkts, d.fromPeerBytes, d.ownDrops = 0, 0, 0, 0, 0
}

// rcvBuf is the receive buffer asked for: every client's traffic queues
// at the listener, one allocation's peers at its relayed socket.
func rcvBuf(listener bool) int {
	if listener {
		return 4 << 20
	}
	return 512 << 10
}

// sock is a socket in the epoll set: the UDP listener, or an
// allocation's relayed socket.
type sock struct {
	conn     *net.UDPConn
	fd       int
	token    int32
	v6       bool // AF_INET6 (dual-stack listeners too)
	listener bool
	inbox    chan datagram // to pion: what the data plane does not relay
	closed   chan struct{}

	// Listener only, guarded by dataPlane.mu.
	clients map[netip.AddrPort]*alloc
	out     *batch

	// Relayed socket only, guarded by dataPlane.mu.
	relayAddr netip.AddrPort
	alloc     *alloc // nil until pion reports the allocation, or for TCP clients
}

// datagram is a packet handed to pion.
type datagram struct {
	b    []byte
	from net.Addr
}

// register adds conn to the epoll set.
func (d *dataPlane) register(conn *net.UDPConn, listener bool) (*sock, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &sock{conn: conn, listener: listener, inbox: make(chan datagram, 256), closed: make(chan struct{})}
	if err := rc.Control(func(fd uintptr) { s.fd = int(fd) }); err != nil {
		return nil, err
	}
	// Best effort: the kernel caps it at net.core.rmem_max.
	_ = conn.SetReadBuffer(rcvBuf(listener))
	if sa, err := unix.Getsockname(s.fd); err == nil {
		_, s.v6 = sa.(*unix.SockaddrInet6)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, net.ErrClosed
	}
	if listener {
		s.clients, s.out = map[netip.AddrPort]*alloc{}, newBatch()
	}
	if k := len(d.free); k > 0 {
		s.token, d.free = d.free[k-1], d.free[:k-1]
		d.socks[s.token] = s
	} else {
		s.token = int32(len(d.socks))
		d.socks = append(d.socks, s)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: s.token}
	if err := unix.EpollCtl(d.epfd, unix.EPOLL_CTL_ADD, s.fd, &ev); err != nil {
		d.socks[s.token] = nil
		d.free = append(d.free, s.token)
		return nil, fmt.Errorf("epoll add: %w", err)
	}
	if listener {
		d.listeners = append(d.listeners, s)
	}
	return s, nil
}

// unregister takes s out of the epoll set before its owner closes it, so
// the loop never touches a descriptor number that may be reused.
func (d *dataPlane) unregister(s *sock) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.socks[s.token] != s {
		return
	}
	if !d.closed {
		_ = unix.EpollCtl(d.epfd, unix.EPOLL_CTL_DEL, s.fd, nil)
	}
	d.socks[s.token] = nil
	d.free = append(d.free, s.token)
	d.listeners = slices.DeleteFunc(d.listeners, func(l *sock) bool { return l == s })
	if d.byRelay[s.relayAddr] == s {
		delete(d.byRelay, s.relayAddr)
	}
	if a := s.alloc; a != nil && a.lst.clients[a.client] == a {
		delete(a.lst.clients, a.client)
	}
	close(s.closed)
}

// toPion queues a datagram for pion's reader of s; dropped if pion is
// that far behind.
func (s *sock) toPion(b []byte, from netip.AddrPort) {
	p := datagram{b: append([]byte(nil), b...), from: net.UDPAddrFromAddrPort(from)}
	select {
	case s.inbox <- p:
	default:
	}
}
