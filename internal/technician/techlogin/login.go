// Package techlogin logs the technician in as an operator (technician
// -user): the password from $TANDEM_PASSWORD, a file or the terminal, a
// TOTP code when asked, and SCRAM over a TLS connection the proof is bound
// to — through an HTTPS_PROXY by CONNECT when one is set. The wire format
// and the SCRAM client are package login's.
package techlogin

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// LogIn logs in as operator user with SCRAM, whose password never leaves
// this process (only a proof bound to the TLS connection is sent), and
// returns the session token that opens sessions.
func LogIn(ctx context.Context, server string, roots *x509.CertPool, user, passwordFile string, totp bool, stderr io.Writer) (string, error) {
	password, err := readPassword(user, passwordFile, stderr)
	if err != nil {
		return "", err
	}
	hc, err := loginClient(server, roots, http.ProxyFromEnvironment)
	if err != nil {
		return "", err
	}
	code := ""
	if totp {
		if code, err = readCode(stderr); err != nil {
			return "", err
		}
	}
	tok, err := login.LoginTOTP(ctx, hc, server, user, password, code)
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", user, explainTLS(server, err))
	}
	return tok.Value, nil
}

// loginClient is the HTTP client login.Login uses: it trusts roots and, when
// proxy names an HTTP proxy for server (HTTPS_PROXY, NO_PROXY), reaches the
// server through it with CONNECT, as the session's own connections do.
// login.Login dials its channel-bound connection with the transport's
// DialContext and ignores Transport.Proxy, so the tunnel is made there.
func loginClient(server string, roots *x509.CertPool, proxy func(*http.Request) (*url.URL, error)) (*http.Client, error) {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: tr}
	u, err := url.Parse(server)
	if err != nil {
		return hc, nil // login.Login says what is wrong with the URL
	}
	p, err := proxy(&http.Request{URL: u})
	if err != nil {
		return nil, fmt.Errorf("proxy settings (HTTPS_PROXY): %w", err)
	}
	if p == nil {
		return hc, nil
	}
	if p.Scheme != "http" {
		return nil, fmt.Errorf("proxy %s (from HTTPS_PROXY): only http:// proxies are supported for login", p.Redacted())
	}
	tr.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		conn, err := tunnel(ctx, p, addr)
		if err != nil {
			return nil, fmt.Errorf("through the proxy %s (from HTTPS_PROXY): %w; check that the proxy runs and lets CONNECT to the server through, or exempt the server with NO_PROXY", p.Host, err)
		}
		return conn, nil
	}
	return hc, nil
}

// tunnel opens a CONNECT tunnel to addr through proxy (Basic auth from its
// URL) and returns the connection, ready for TLS.
func tunnel(ctx context.Context, proxy *url.URL, addr string) (net.Conn, error) {
	hostport := proxy.Host
	if proxy.Port() == "" {
		hostport = net.JoinHostPort(proxy.Hostname(), "80")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
	if u := proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	br := bufio.NewReader(conn)
	err = req.Write(conn)
	var resp *http.Response
	if err == nil {
		resp, err = http.ReadResponse(br, req)
	}
	switch {
	case err != nil:
	case resp.StatusCode/100 != 2:
		err = fmt.Errorf("CONNECT %s refused: %s", addr, resp.Status)
	case br.Buffered() > 0:
		err = errors.New("the proxy sent data before the server spoke")
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// explainTLS says what to do when the server's certificate is the
// problem, as the session's own connection would.
func explainTLS(server string, err error) error {
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &hostErr):
		return fmt.Errorf("%w at %s: it is not valid for this name (%v); use the URL the server prints", sigclient.ErrUntrusted, server, err)
	case errors.As(err, &unknown), errors.As(err, &certErr):
		return fmt.Errorf("%w at %s (%v): pass -ca with the server's certificate (its DATA/cert.pem) or check the URL", sigclient.ErrUntrusted, server, err)
	}
	return err
}

// readPassword takes the password from $TANDEM_PASSWORD, a file, or the
// terminal (not echoed) — never from the command line, where other users
// of the machine could read it.
func readPassword(user, file string, stderr io.Writer) (string, error) {
	if pw := os.Getenv("TANDEM_PASSWORD"); pw != "" {
		return pw, nil
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password: set TANDEM_PASSWORD, pass -password-file, or run in a terminal")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprintf(stderr, "Password for %s: ", user)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(pw), nil
}

// readCode takes the authenticator app's current code from $TANDEM_TOTP or
// the terminal.
func readCode(stderr io.Writer) (string, error) {
	if c := os.Getenv("TANDEM_TOTP"); c != "" {
		return strings.TrimSpace(c), nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", errors.New("no TOTP code: set TANDEM_TOTP or run in a terminal")
	}
	fmt.Fprint(stderr, "Authenticator code: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read code: %w", err)
	}
	return strings.TrimSpace(line), nil
}
