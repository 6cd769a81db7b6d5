package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// TestStampedRun runs the agent with no arguments from a stamped file, as
// a customer runs a download: a damaged or expired stamp is refused
// without connecting anywhere; a wrong pin is refused at the TLS
// handshake; a ticket the server does not take is refused in words that
// say what to do.
func TestStampedRun(t *testing.T) {
	hs := signalingtest.Start(t, signaling.Config{}, nil)
	pin := serverPin(t, hs.URL)
	var accepted atomic.Int32
	silent := listenCounting(t, &accepted)
	ticket := strings.Repeat("A", 43)
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	real := time.Now() // the test server's clock
	serverTimeWait = time.Second
	for _, tc := range []struct {
		name    string
		p       stamp.Payload
		damage  bool
		now     time.Time // this computer's clock; the stamp expires at+10min unless p says
		stderr  string
		connect bool
	}{
		{"damaged", stamp.Payload{Server: silent, Pin: pin}, true, at, "damaged or was altered", false},
		// Expired by this computer's clock, and the server does not answer
		// for its own: only its TCP port is reached.
		{"expired, server silent", stamp.Payload{Server: silent, Pin: pin}, false, at.Add(time.Hour), "expired at 09:10 on 25 Nov by this computer's clock", true},
		{"expired by both clocks", stamp.Payload{Server: hs.URL, Pin: pin}, false, at.Add(time.Hour), "by the server's clock", true},
		// This computer's clock is an hour ahead: the server's says the
		// download is still good, so the agent goes on to join.
		{"clock ahead", stamp.Payload{Server: hs.URL, Pin: pin, Expires: real.Add(10 * time.Minute)}, false, real.Add(time.Hour),
			"clock is 1h0m", true},
		{"wrong pin", stamp.Payload{Server: hs.URL, Pin: make([]byte, 32)}, false, at, "not the server this download was made for", true},
		{"ticket refused", stamp.Payload{Server: hs.URL, Pin: pin}, false, at, "ended or was already used; ask your technician for a new link", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.V, p.Ticket, p.Session = stamp.Version, ticket, "s1"
			if p.Expires.IsZero() {
				p.Expires = at.Add(10 * time.Minute)
			}
			path := stampedFile(t, p, tc.damage)
			executable = func() (string, error) { return path, nil }
			now = func() time.Time { return tc.now }
			t.Cleanup(func() { executable, now = os.Executable, time.Now })
			before := accepted.Load()
			var stdout, stderr bytes.Buffer
			if got := run(nil, &stdout, &stderr); got != 1 {
				t.Errorf("exit %d, want 1; stderr: %s", got, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if !tc.connect && accepted.Load() != before {
				t.Error("the agent connected")
			}
		})
	}
}

// stampedFile writes a stand-in agent stamped with p, with one byte of
// the stamp's payload flipped when damage is set.
func stampedFile(t *testing.T, p stamp.Payload, damage bool) string {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	bin := []byte("\x7fELF stand-in agent")
	tr, err := stamp.Trailer(p, key)
	if err != nil {
		t.Fatal(err)
	}
	b := append(bin, tr...)
	if damage {
		b[len(bin)+10] ^= 0x01
	}
	path := filepath.Join(t.TempDir(), "tandem-agent")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// listenCounting is an https URL on loopback whose listener counts the
// connections it accepts and closes them.
func listenCounting(t *testing.T, n *atomic.Int32) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return "https://" + ln.Addr().String()
}

func serverPin(t *testing.T, u string) []byte {
	t.Helper()
	pu, _ := url.Parse(u)
	c, err := tls.Dial("tcp", pu.Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return stamp.PinOf(c.ConnectionState().PeerCertificates[0])
}
