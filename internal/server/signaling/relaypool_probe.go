package signaling

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pion/stun/v4"
)

// prober checks that one relay URL answers.
type prober interface {
	probe(ctx context.Context, turnURL string) error
}

// netProber sends a STUN Binding request to the relay over the URL's own
// transport (UDP; TCP; TLS for turns:) and waits for its success answer.
// A Binding needs no credential, so the probe carries no secret.
type netProber struct{}

func (netProber) probe(ctx context.Context, turnURL string) error {
	network, addr, err := probeTarget(turnURL)
	if err != nil {
		return err
	}
	conn, err := dialProbe(ctx, network, addr)
	if err != nil {
		return fmt.Errorf("probe %s: %w", turnURL, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := stunBinding(conn); err != nil {
		return fmt.Errorf("probe %s: %w", turnURL, err)
	}
	return nil
}

// probeTarget returns the network ("udp", "tcp" or "tls") and host:port of
// a turn:/turns: URL (RFC 7065), with the default ports 3478 and 5349.
func probeTarget(turnURL string) (network, addr string, err error) {
	scheme, rest, ok := strings.Cut(turnURL, ":")
	if !ok {
		return "", "", fmt.Errorf("relay URL %q has no scheme", turnURL)
	}
	hostport, query, _ := strings.Cut(rest, "?")
	q, _ := url.ParseQuery(query)
	port := "3478"
	switch {
	case scheme == "turns":
		network, port = "tls", "5349"
	case q.Get("transport") == "tcp":
		network = "tcp"
	default:
		network = "udp"
	}
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return network, net.JoinHostPort(h, p), nil
	}
	return network, net.JoinHostPort(strings.Trim(hostport, "[]"), port), nil
}

func dialProbe(ctx context.Context, network, addr string) (net.Conn, error) {
	if network != "tls" {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	host, _, _ := net.SplitHostPort(addr)
	d := tls.Dialer{Config: &tls.Config{
		ServerName: host,
		// The probe asks only whether the relay's TLS listener answers; it
		// sends nothing secret. Clients verify the certificate themselves,
		// and signaling may not hold the CA that issued it.
		InsecureSkipVerify: true, //nolint:gosec // liveness only, see above
		MinVersion:         tls.VersionTLS12,
		// AES-256-GCM only, as every TLS hop (package tlspolicy, which this
		// process links, narrows TLS 1.3 to it).
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
	}}
	return d.DialContext(ctx, "tcp", addr)
}

// errNoAnswer is a probe that got something, but not its Binding success.
var errNoAnswer = errors.New("no STUN Binding success answer")

// stunBinding sends one Binding request on conn and reads until its
// success answer; over UDP a stray datagram is skipped.
func stunBinding(conn net.Conn) error {
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return fmt.Errorf("build binding: %w", err)
	}
	if _, err := conn.Write(req.Raw); err != nil {
		return fmt.Errorf("send binding: %w", err)
	}
	_, datagram := conn.(*net.UDPConn)
	for {
		raw, err := readSTUN(conn, datagram)
		if err != nil {
			return fmt.Errorf("read binding answer: %w", err)
		}
		res := &stun.Message{Raw: raw}
		if res.Decode() != nil || res.TransactionID != req.TransactionID {
			if datagram {
				continue // a stray datagram
			}
			return errNoAnswer
		}
		if res.Type != stun.BindingSuccess {
			return fmt.Errorf("%w: got %s", errNoAnswer, res.Type)
		}
		return nil
	}
}

// readSTUN reads one message: a datagram, or on a stream its 20-byte
// header and the body length it announces (RFC 8489 §6).
func readSTUN(conn net.Conn, datagram bool) ([]byte, error) {
	if datagram {
		buf := make([]byte, 1500)
		n, err := conn.Read(buf)
		return buf[:n], err
	}
	head := make([]byte, 20)
	if _, err := io.ReadFull(conn, head); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint16(head[2:4]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, err
	}
	return append(head, body...), nil
}
