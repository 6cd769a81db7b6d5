package e2e

import (
	"net"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/freeport"
)

type netDialer struct{}

func (netDialer) dial(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// freePort returns a loopback port (TCP and UDP) that was free a moment
// ago, from outside the kernel's ephemeral range (see freeport).
func freePort(t testing.TB) string {
	t.Helper()
	p, err := freeport.String()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
