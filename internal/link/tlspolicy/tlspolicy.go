// Package tlspolicy is the one TLS policy of Tandem's servers: every TLS
// listener (signaling's HTTPS and WebSocket port, which also serves the
// help page, web chat, admin API and the relays' block and session
// feeds; the TURN over TLS listener of the embedded relay and of
// turnrelay) negotiates AES-256-GCM and nothing else. TLS 1.3 comes first, with Go's hybrid
// post-quantum key exchange (X25519MLKEM768); TLS 1.2 is kept for older
// clients with ECDHE and AES-256-GCM only.
//
// Go's crypto/tls has no TLS 1.3 cipher setting (Config.CipherSuites
// governs TLS 1.2 only). Its TLS 1.3 server walks a fixed preference list
// and takes the first suite the client also offers: defaultCipherSuitesTLS13
// (AES-128-GCM first) when the CPU has AES-GCM instructions and the
// client's first suite is AES-GCM, defaultCipherSuitesTLS13NoAES
// (ChaCha20-Poly1305 first) otherwise. Browsers offer AES-128 first, so a Go
// server answers them with TLS_AES_128_GCM_SHA256. crypto/tls publishes both
// lists for go:linkname ("do not remove or change the type signature",
// go.dev/issue/67401); this package's init narrows both to
// TLS_AES_256_GCM_SHA384, so a client that does not offer it is refused.
//
// The lists are process-wide: a Go TLS client in a process that links this
// package offers only TLS_AES_256_GCM_SHA384 under TLS 1.3 as well. That is
// wanted: signaling's ACME client and turnrelay's feed client, and the
// agent's and technician's TLS to a `turns:` relay (coturn) or an HTTPS
// proxy, which link it through internal/link/peer so that the outer hop to a
// third party is AES-256 too. Every common TLS 1.3
// server (OpenSSL, BoringSSL, NSS, SChannel, rustls, Go) enables it by
// default; a server that speaks only TLS 1.2 still gets Go's TLS 1.2 offer.
//
// Two guards stand behind the init. Server's VerifyConnection refuses a
// handshake that ends with any other suite, so a Go release that stopped
// reading these lists fails closed instead of quietly using AES-128 (the
// client then sees a bad_certificate alert, the one crypto/tls sends for
// every VerifyConnection error; TestListsNarrowed catches it first). And in
// FIPS 140-3 mode (GODEBUG=fips140=on or only) crypto/tls replaces the TLS
// 1.3 list with its own, AES-128 first and not published: there Server
// caps the version at TLS 1.2, whose suites it does choose.
package tlspolicy

import (
	"crypto/fips140"
	"crypto/tls"
	"fmt"
	"slices"
	_ "unsafe" // for go:linkname
)

// The TLS 1.3 server's preference lists (crypto/tls/defaults.go); the TLS
// 1.3 client offers the same lists.
//
//go:linkname defaultCipherSuitesTLS13 crypto/tls.defaultCipherSuitesTLS13
var defaultCipherSuitesTLS13 []uint16

//go:linkname defaultCipherSuitesTLS13NoAES crypto/tls.defaultCipherSuitesTLS13NoAES
var defaultCipherSuitesTLS13NoAES []uint16

// tls13Suites is the only TLS 1.3 suite negotiated.
var tls13Suites = []uint16{tls.TLS_AES_256_GCM_SHA384}

// tls12Suites are the only TLS 1.2 suites negotiated: ephemeral ECDHE key
// exchange, AES-256-GCM.
var tls12Suites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}

func init() {
	defaultCipherSuitesTLS13 = slices.Clone(tls13Suites)
	defaultCipherSuitesTLS13NoAES = slices.Clone(tls13Suites)
}

// Server returns a copy of base (which carries the certificate or
// GetCertificate, and NextProtos) with the policy applied: TLS 1.2 or
// newer, the AES-256-GCM suites above, and a check that refuses any other
// suite once the handshake ends. Applying it twice is harmless.
func Server(base *tls.Config) *tls.Config {
	c := base.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	c.MinVersion = tls.VersionTLS12
	if fips140.Enabled() {
		c.MaxVersion = tls.VersionTLS12 // see the package comment
	}
	c.CipherSuites = slices.Clone(tls12Suites)
	next := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if err := Check(cs); err != nil {
			return err
		}
		if next != nil {
			return next(cs)
		}
		return nil
	}
	return c
}

// Check reports an error when cs was negotiated with a suite outside the
// policy.
func Check(cs tls.ConnectionState) error {
	if Allowed(cs.CipherSuite) {
		return nil
	}
	return fmt.Errorf("tls: %s negotiated; Tandem allows AES-256-GCM only", tls.CipherSuiteName(cs.CipherSuite))
}

// Allowed reports whether suite is one of the policy's suites.
func Allowed(suite uint16) bool {
	return slices.Contains(tls13Suites, suite) || slices.Contains(tls12Suites, suite)
}
