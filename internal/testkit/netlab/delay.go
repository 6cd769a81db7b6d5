package netlab

import (
	"context"
	"fmt"
	"iter"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"golang.org/x/sys/unix"
)

// This kernel has no netem (CONFIG_NET_SCH_NETEM is not set), so a path
// with a round-trip time is built in user space: each of two namespaces
// gets a TUN interface, and a forwarder in the test process carries every
// IP packet read from one to the other after a fixed delay. TCP and UDP
// cross it alike, so both can be measured on the same path.

// DelayedPath is two namespaces, Left and Right, joined by a point-to-point
// link whose packets each take Delay in either direction.
type DelayedPath struct {
	Left, Right         *NS
	LeftAddr, RightAddr netip.Addr
	Delay               time.Duration
}

// NewDelayedPath creates the two namespaces and starts the forwarder,
// which stops when the test ends. Call Require first.
func NewDelayedPath(t testing.TB, oneWay time.Duration) *DelayedPath {
	t.Helper()
	p := prefix(int(labCount.Add(1)))
	d := &DelayedPath{
		Left: NewNS(t, p+"-left"), Right: NewNS(t, p+"-right"),
		LeftAddr:  netip.MustParseAddr("198.51.100.1"),
		RightAddr: netip.MustParseAddr("198.51.100.2"),
		Delay:     oneWay,
	}
	l := d.Left.tun(t, "tun0", d.LeftAddr, d.RightAddr)
	r := d.Right.tun(t, "tun0", d.RightAddr, d.LeftAddr)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); forward(l, r, oneWay) }()
	go func() { defer wg.Done(); forward(r, l, oneWay) }()
	t.Cleanup(func() {
		// Closing the files ends the readers; each writer ends with its
		// reader.
		_ = l.Close()
		_ = r.Close()
		wg.Wait()
	})
	return d
}

// tun creates a TUN interface named dev inside ns, addressed local with a
// point-to-point route to remote, and returns its file.
func (ns *NS) tun(t testing.TB, dev string, local, remote netip.Addr) *os.File {
	t.Helper()
	var f *os.File
	err := ns.Do(func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open /dev/net/tun: %w", err)
		}
		var req [unix.IFNAMSIZ + 64]byte
		copy(req[:], dev)
		*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = unix.IFF_TUN | unix.IFF_NO_PI
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
			_ = unix.Close(fd)
			return fmt.Errorf("TUNSETIFF %s: %w", dev, e)
		}
		// Non-blocking, the file joins Go's poller, so Close ends a Read
		// that waits.
		if err := unix.SetNonblock(fd, true); err != nil {
			_ = unix.Close(fd)
			return err
		}
		f = os.NewFile(uintptr(fd), dev)
		return nil
	})
	if err != nil {
		t.Fatalf("netlab: %s: %v", ns.Name, err)
	}
	ns.IP("addr", "add", local.String(), "peer", remote.String()+"/32", "dev", dev)
	// The forwarder is a process that a loaded machine may not schedule
	// for a while: a long queue keeps that from dropping packets, which
	// the path under test would not.
	ns.IP("link", "set", "dev", dev, "txqueuelen", "10000")
	ns.IP("link", "set", "dev", dev, "up")
	return f
}

// Drops counts what either side of the path dropped so far: packets the
// TUN queues could not hold and datagrams UDP could not deliver (full
// socket buffers), and reports the counters. The path itself drops
// nothing: a test that needs a clean path tells with this whether it had
// one.
func (d *DelayedPath) Drops() (n int64, report string) {
	var b strings.Builder
	for _, ns := range []*NS{d.Left, d.Right} {
		fmt.Fprintf(&b, "%s:", ns.Name)
		for _, c := range []string{"rx_dropped", "tx_dropped"} {
			out, _ := ns.Try(context.Background(), "cat", "/sys/class/net/tun0/statistics/"+c)
			v, _ := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
			n += v
			fmt.Fprintf(&b, " tun0 %s=%d", c, v)
		}
		snmp, _ := ns.Try(context.Background(), "cat", "/proc/net/snmp")
		for name, v := range udpCounters(snmp) {
			if strings.HasSuffix(name, "Errors") && name != "InCsumErrors" {
				n += v
			}
			fmt.Fprintf(&b, " udp %s=%d", name, v)
		}
		b.WriteString("\n")
	}
	return n, b.String()
}

// udpCounters reads the Udp counters out of /proc/net/snmp, in its order.
func udpCounters(snmp string) iter.Seq2[string, int64] {
	var names, values []string
	for _, line := range strings.Split(snmp, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "Udp:" {
			if names == nil {
				names = f[1:]
			} else {
				values = f[1:]
			}
		}
	}
	return func(yield func(string, int64) bool) {
		for i := range min(len(names), len(values)) {
			v, _ := strconv.ParseInt(values[i], 10, 64)
			if !yield(names[i], v) {
				return
			}
		}
	}
}

// forward carries packets from src to dst, each delay after it was read,
// in order, until src is closed. Up to 64 Ki packets may be in flight
// (1 Gbit/s over a 25 ms delay is about 2 200 full-size packets).
func forward(src, dst *os.File, delay time.Duration) {
	type packet struct {
		due time.Time
		b   []byte
	}
	q := make(chan packet, 64<<10)
	go func() {
		for p := range q {
			if w := time.Until(p.due); w > 0 {
				time.Sleep(w)
			}
			_, _ = dst.Write(p.b)
		}
	}()
	defer close(q)
	buf := make([]byte, 65536)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case q <- packet{time.Now().Add(delay), append([]byte(nil), buf[:n]...)}:
		default: // a full queue drops, as a router's does
		}
	}
}

// Do runs fn on an OS thread that has entered the namespace, so sockets
// fn opens (and interface lists it reads) belong to the namespace; they
// stay there when used from any other thread later. The thread is thrown
// away afterwards rather than returned to the Go scheduler.
func (ns *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread exits with this goroutine, so no
		// other goroutine ever runs in the namespace by accident.
		fd, err := unix.Open("/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open namespace: %w", err)
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter namespace: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Net is the network as seen from inside ns, for a peer.Link's Config.Net:
// the namespace's interfaces, and UDP sockets opened there with the 4 MiB
// buffers a link asks for on the host's own network.
func (ns *NS) Net(t testing.TB) transport.Net {
	t.Helper()
	var n *stdnet.Net
	if err := ns.Do(func() (err error) {
		n, err = stdnet.NewNet()
		return err
	}); err != nil {
		t.Fatalf("netlab: network of %s: %v", ns.Name, err)
	}
	return nsNet{n, ns}
}

type nsNet struct {
	*stdnet.Net
	ns *NS
}

const nsUDPBuffer = 4 << 20

func (n nsNet) ListenUDP(network string, laddr *net.UDPAddr) (c transport.UDPConn, err error) {
	err = n.ns.Do(func() error {
		c, err = n.Net.ListenUDP(network, laddr)
		return err
	})
	if err == nil {
		_ = c.SetReadBuffer(nsUDPBuffer)
		_ = c.SetWriteBuffer(nsUDPBuffer)
	}
	return c, err
}

func (n nsNet) ListenPacket(network, address string) (c net.PacketConn, err error) {
	err = n.ns.Do(func() error {
		c, err = n.Net.ListenPacket(network, address)
		return err
	})
	if u, ok := c.(*net.UDPConn); ok && err == nil {
		_ = u.SetReadBuffer(nsUDPBuffer)
		_ = u.SetWriteBuffer(nsUDPBuffer)
	}
	return c, err
}
