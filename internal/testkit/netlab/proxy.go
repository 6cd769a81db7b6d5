package netlab

import (
	"net/netip"
	"testing"
)

// StartProxy runs the lab's HTTP CONNECT proxy (bin, built from
// testdata/proxy) in its own namespace on the wan at ProxyAddr:ProxyPort,
// and returns it once it accepts connections. It prints a "connect" event
// per tunnel, with "from", "target" and "status".
func StartProxy(t testing.TB, lab *Lab, bin string) *Proc {
	t.Helper()
	addr := netip.AddrPortFrom(ProxyAddr, ProxyPort)
	ns := lab.Server("proxy", ProxyAddr)
	p := ns.Start("proxy", bin, addr.String())
	WaitTCP(t, ns, p, addr)
	return p
}

// ProxyEnv is the environment of a host whose only way out is the lab's
// proxy. NO_PROXY is cleared so that the test runner's own setting cannot
// exempt the lab's servers.
func ProxyEnv() []string {
	u := "http://" + netip.AddrPortFrom(ProxyAddr, ProxyPort).String()
	return []string{"HTTPS_PROXY=" + u, "https_proxy=" + u, "NO_PROXY=", "no_proxy="}
}
