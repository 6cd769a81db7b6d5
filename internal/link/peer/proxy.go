package peer

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// A network that lets out nothing but TCP to an HTTP proxy still lets a
// link through its relay: TURN over TCP (or TLS) is one TCP stream, and a
// proxy tunnels it with CONNECT like any HTTPS connection. The proxy comes
// from the environment as for HTTPS (HTTPS_PROXY, https_proxy, NO_PROXY),
// read once per link. The relay's name goes to the proxy unresolved, as a
// browser's would; TLS to the relay runs inside the tunnel, end to end, so
// the proxy sees only the relay's host:port.

// proxyFunc picks the proxy for a target URL (nil = connect directly).
type proxyFunc func(*url.URL) (*url.URL, error)

// envProxy reads the proxy settings from the environment now.
func envProxy() proxyFunc {
	return httpproxy.FromEnvironment().ProxyFunc()
}

// proxyTarget is the URL the proxy settings are matched against: a relay
// connection is an HTTPS-like tunnel, whatever it carries.
func proxyTarget(addr string) *url.URL {
	return &url.URL{Scheme: "https", Host: addr}
}

// dialTCP opens a TCP stream to the relay at addr: through the proxy when
// the environment names one for it, directly otherwise.
func (d *relayDialer) dialTCP(network, addr string) (net.Conn, error) {
	var proxy *url.URL
	if d.proxy != nil {
		p, err := d.proxy(proxyTarget(addr))
		if err != nil {
			return nil, fmt.Errorf("relay proxy from environment: %w", err)
		}
		proxy = p
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	if proxy == nil {
		return d.dialer.DialContext(ctx, network, addr)
	}
	if want := tunnelNetwork(addr); network != "tcp" && network != want {
		return nil, fmt.Errorf("relay %s through proxy %s: tunnelled on %s only", addr, proxy.Host, want)
	}
	c, err := d.dialProxy(ctx, proxy, addr)
	if err != nil {
		return nil, fmt.Errorf("dial relay %s through proxy %s: %w", addr, proxy.Host, err)
	}
	return c, nil
}

// tunnelNetwork is the one network on which a proxied relay address is
// dialled. pion dials every TCP relay once per address family (tcp4, tcp6);
// Dial refuses the other family of an IP literal, but a name would be
// tunnelled twice and take two allocations on the relay. The family beyond
// the proxy is the proxy's business, so a name goes on tcp4.
func tunnelNetwork(addr string) string {
	if n := literalNetwork(addr); n != "" {
		return n
	}
	return "tcp4"
}

// dialProxy connects to the proxy (over TLS for an https:// proxy) and
// asks it for a tunnel to addr.
func (d *relayDialer) dialProxy(ctx context.Context, proxy *url.URL, addr string) (net.Conn, error) {
	hostport := proxyHostPort(proxy)
	if proxy.Scheme != "http" && proxy.Scheme != "https" {
		return nil, fmt.Errorf("proxy scheme %q: only http:// and https:// proxies can tunnel to a relay", proxy.Scheme)
	}
	conn, err := d.dialer.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	if proxy.Scheme == "https" {
		tc := tls.Client(conn, d.tlsConfig(proxy.Hostname()))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("tls to proxy: %w", err)
		}
		conn = tc
	}
	tunnel, err := connectTunnel(ctx, conn, proxy, addr)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return tunnel, nil
}

// connectTunnel sends CONNECT addr on conn and reads the proxy's answer;
// anything but 2xx is an error that carries the proxy's status line.
func connectTunnel(ctx context.Context, conn net.Conn, proxy *url.URL, addr string) (net.Conn, error) {
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		Header: http.Header{},
	}
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization",
			"Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		return nil, fmt.Errorf("send CONNECT: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("read CONNECT response: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("proxy refused CONNECT %s: %s %s", addr, resp.Proto, resp.Status)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	if br.Buffered() > 0 {
		return &bufferedConn{Conn: conn, r: br}, nil
	}
	return conn, nil
}

// proxyHostPort is the proxy's host:port, with the scheme's default port.
func proxyHostPort(proxy *url.URL) string {
	if proxy.Port() != "" {
		return proxy.Host
	}
	if proxy.Scheme == "https" {
		return net.JoinHostPort(proxy.Hostname(), "443")
	}
	return net.JoinHostPort(proxy.Hostname(), "80")
}

// bufferedConn hands out what the proxy sent right after its answer before
// reading from the connection again. Its LocalAddr stays the TCP socket's:
// pion reads the relayed candidate's base address from it.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }
