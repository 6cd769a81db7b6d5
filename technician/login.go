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
)

// credentials returns the token that opens sessions: from -token-file, or
// by logging in as -user with SCRAM, whose password never leaves this
// process (only a proof bound to the TLS connection is sent).
func credentials(ctx context.Context, server string, roots *x509.CertPool, tokenFile, user, passwordFile string, totp bool, stderr io.Writer) (string, error) {
	if tokenFile != "" {
		tok, err := os.ReadFile(tokenFile)
		if err != nil {
			return "", fmt.Errorf("read token: %w", err)
		}
		return strings.TrimSpace(string(tok)), nil
	}
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
		return "", fmt.Errorf("log in as %s: %w", user, err)
	}
	return tok.Value, nil
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
