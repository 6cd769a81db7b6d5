package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tandem-remote/tandem/internal/auth"
	"github.com/tandem-remote/tandem/internal/sigclient"
)

// login logs in as operator user with SCRAM, whose password never leaves
// this process (only a proof bound to the TLS connection is sent), and
// returns the session token that opens sessions.
func login(ctx context.Context, server string, roots *x509.CertPool, user, passwordFile string, totp bool, stderr io.Writer) (string, error) {
	password, err := readPassword(user, passwordFile, stderr)
	if err != nil {
		return "", err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}}
	code := ""
	if totp {
		if code, err = readCode(stderr); err != nil {
			return "", err
		}
	}
	tok, err := auth.LoginTOTP(ctx, hc, server, user, password, code)
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", user, explainTLS(server, err))
	}
	return tok.Value, nil
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
