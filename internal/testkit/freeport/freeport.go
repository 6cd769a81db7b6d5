// Package freeport hands tests loopback ports to give to a process they
// start, which must know its port before it listens (a NATS route, a
// relay's UDP port, a PostgreSQL server).
//
// The usual trick, listening on port 0 and closing, returns a port from the
// kernel's ephemeral range, and the kernel hands that same range to every
// outgoing connection and every other ":0" listener on the machine: under
// CI's parallel packages another test took such a port in the moment
// between the close and the child's bind. The ports here come from
// 10000-19999: below the ephemeral range, which the kernel never hands out
// by itself, and below the relay port ranges the tests give turnrelay. Only
// another caller of this package could take one; within a process each
// port is handed out once, and across processes the pick is random.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// The range picked from: below the ephemeral range, and below 20000,
// where the tests' relays take their relay port ranges (a relay refuses a
// listener inside its own range).
const (
	lowest  = 10000
	highest = 19999
)

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Get returns a port on 127.0.0.1 free for both TCP and UDP a moment ago,
// never returned before by this process.
func Get() (int, error) {
	top := min(highest, ephemeralLow()-1)
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		p := lowest + rand.IntN(top-lowest+1)
		if given[p] || !free(p) {
			continue
		}
		given[p] = true
		return p, nil
	}
	return 0, fmt.Errorf("freeport: no free port found in %d-%d", lowest, top)
}

// String is Get as a decimal string, for building addresses.
func String() (string, error) {
	p, err := Get()
	return strconv.Itoa(p), err
}

func free(p int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	return pc.Close() == nil
}

// ephemeralLow reads the bottom of the kernel's ephemeral range (32768 if
// it cannot be read, Linux's default).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= lowest+1000 {
		return 32768
	}
	return n
}
