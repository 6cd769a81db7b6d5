package e2e

import (
	"net"
	"strconv"
	"testing"
)

type netDialer struct{}

func (netDialer) dial(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
