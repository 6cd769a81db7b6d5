// Command turnrelay is Tandem's TURN relay: it relays the media and data of
// two peers that cannot reach each other directly, over TURN on UDP and TCP
// (port 3478) and TURN over TLS (port 443, for networks that only let web
// traffic out).
//
// Clients authenticate with ephemeral TURN REST credentials that the
// signaling server issues from the same shared secret; the secret is read
// from a file or the TURN_SECRET environment variable, never from the
// command line. The relay refuses to relay to loopback, private, link-local
// and other internal addresses, and to its own host anywhere but its own
// live allocations (see internal/relay), and caps allocations per credential and in
// total. TCP allocations (RFC 6062) are off unless -tcp-allocations. All of the logic lives in internal/relay;
// this file only turns flags into a relay.Config and runs it until SIGINT
// or SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/blockfeed"
	"github.com/tandem-remote/tandem/internal/server/turncred"
)

const intro = `turnrelay relays traffic between Tandem peers that cannot connect directly.
It speaks TURN over UDP and TCP (-udp, -tcp) and TURN over TLS (-tls, needs
-cert and -key). Clients authenticate with short-lived TURN REST credentials
issued by the signaling server from a shared secret, which turnrelay reads
from -secret-file or the TURN_SECRET environment variable. Peers in loopback,
private, link-local and other internal ranges are refused unless listed in
-allow-peers; the relay's own host is reached only at its own live allocations,
whatever -allow-peers says. TCP allocations (RFC 6062), which WebRTC never uses, are off
unless -tcp-allocations. With -block-feed it also refuses allocations to the
customer addresses the signaling server's administrators and operators block,
and the credentials of sessions that have ended, closing their allocations.
Prometheus metrics and a health check are served on -metrics.

Usage: turnrelay [flags]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		err = run(ctx, opts, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "turnrelay:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	cfg     relay.Config
	metrics string
	procs   int
	feed    *blockfeed.Feed // nil without -block-feed
	feedOf  string          // where and how often it polls, for the start line
	ended   *endedFeed      // the session feed -block-feed brings; nil without
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("turnrelay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, intro, "\nFlags:\n")
		fs.PrintDefaults()
	}
	var o options
	var (
		cert       = fs.String("cert", "", "TLS certificate `FILE` (PEM, full chain) for the -tls listener")
		key        = fs.String("key", "", "TLS private key `FILE` (PEM) for the -tls listener")
		publicIP   = fs.String("public-ip", "", "`IP` advertised as the relay address (an IPv4 address, optionally \",IPv6\" to relay IPv6 too); default: the listen address, or the address of the default route")
		relayPorts = fs.String("relay-ports", "49152-65535", "`LO-HI` range of UDP ports opened for relayed allocations")
		secretFile = fs.String("secret-file", "", "`FILE` holding the TURN REST shared secret (else the TURN_SECRET environment variable)")
		allowPeers = fs.String("allow-peers", "", "comma-separated `CIDR` list of peer ranges exempt from the internal-address policy (for tests and private deployments)")
		logLevel   = fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error")
		feedURL    = fs.String("block-feed", "", "the signaling server's `URL` (https://HOST[:PORT]): refuse allocations to the addresses its\ncustomer blocks cover, and the credentials of sessions that ended (closing their allocations),\npolled with the shared secret (empty: no feed; a credential then lives until its expiry)")
		feedCA     = fs.String("block-feed-ca", "", "trust this PEM `FILE` besides the system roots for -block-feed (a self-generated certificate:\nthe server's DATA/cert.pem)")
		feedEvery  = fs.Duration("block-feed-every", blockfeed.DefaultEvery, "how often to poll -block-feed: a credential outlives its session by at most this; between\npolls and through an outage the last block list holds")
	)
	fs.StringVar(&o.cfg.UDPAddr, "udp", ":3478", "listen `ADDR` for TURN over UDP (empty disables)")
	fs.StringVar(&o.cfg.TCPAddr, "tcp", ":3478", "listen `ADDR` for TURN over TCP (empty disables)")
	fs.StringVar(&o.cfg.TLSAddr, "tls", ":443", "listen `ADDR` for TURN over TLS (empty disables; needs -cert and -key)")
	fs.StringVar(&o.cfg.Realm, "realm", relay.DefaultRealm, "TURN realm `NAME`")
	fs.StringVar(&o.metrics, "metrics", "127.0.0.1:9641", "listen `ADDR` for HTTP /metrics (Prometheus) and /healthz (empty disables)")
	// One P is the cheapest per relayed packet: UDP data is relayed by
	// one epoll loop (internal/relay's data plane), which a second P
	// would not speed up, while idle Ps make Go's scheduler spin on
	// wakeups. One core relays on the order of a hundred thousand packets
	// per second; raise it for a relay busy with TCP/TLS clients, whose
	// data pion relays with a goroutine per connection.
	fs.IntVar(&o.procs, "procs", 1, "CPU cores (`N`, GOMAXPROCS) running the relay; 1 uses the least CPU per packet, 0 means all cores")
	fs.BoolVar(&o.cfg.TCPAllocations, "tcp-allocations", false, "allow TCP allocations (RFC 6062: the relay opens TCP connections to peers and accepts\nthem); WebRTC never uses them, so they are off by default")
	fs.IntVar(&o.cfg.PerUserQuota, "user-quota", relay.DefaultPerUserQuota, "most concurrent allocations per credential (`N`)")
	fs.IntVar(&o.cfg.TotalQuota, "total-quota", relay.DefaultTotalQuota, "most concurrent allocations on this relay (`N`)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.procs < 0 {
		return o, fmt.Errorf("-procs %d: want 0 (all cores) or more", o.procs)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	steps := []func() error{
		func() (err error) { o.cfg.Secret, err = readSecret(*secretFile, getenv); return err },
		func() (err error) { o.cfg.TLSConfig, err = loadTLS(o.cfg.TLSAddr, *cert, *key); return err },
		func() (err error) { o.cfg.RelayPortMin, o.cfg.RelayPortMax, err = parsePorts(*relayPorts); return err },
		func() (err error) { o.cfg.PublicIP, o.cfg.PublicIPv6, err = parsePublicIP(*publicIP); return err },
		func() (err error) { o.cfg.AllowPeers, err = parsePrefixes(*allowPeers); return err },
		func() (err error) { o.cfg.Logger, err = newLogger(*logLevel, stderr); return err },
		func() (err error) { o.feed, err = newFeed(*feedURL, *feedCA, *feedEvery, o.cfg); return err },
		func() (err error) { o.ended, err = newEndedFeed(*feedURL, *feedCA, *feedEvery, o.cfg); return err },
		func() error { o.feedOf = *feedURL + " every " + feedEvery.String(); return nil },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return o, err
		}
	}
	if o.feed != nil {
		o.cfg.Refuse = o.feed.Blocked
	}
	return o, o.cfg.Validate()
}

// newFeed prepares the block feed of -block-feed (nil without one).
func newFeed(url, caFile string, every time.Duration, cfg relay.Config) (*blockfeed.Feed, error) {
	if url == "" {
		if caFile != "" {
			return nil, errors.New("-block-feed-ca needs -block-feed")
		}
		return nil, nil
	}
	client, err := feedClient(caFile)
	if err != nil {
		return nil, err
	}
	f, err := blockfeed.New(blockfeed.Config{URL: url, Secret: cfg.Secret, Client: client, Every: every,
		Logger: cfg.Logger.With("component", "block-feed")})
	if err != nil {
		return nil, fmt.Errorf("-block-feed: %w", err)
	}
	return f, nil
}

// run serves until ctx is done.
func run(ctx context.Context, o options, stdout io.Writer) error {
	if o.procs > 0 {
		runtime.GOMAXPROCS(o.procs)
	}
	reg := prometheus.NewRegistry()
	o.cfg.Registerer = reg
	r, err := relay.New(o.cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	errc := make(chan error, 1)
	var msrv *http.Server
	metricsURL := "off"
	if o.metrics != "" {
		ln, err := net.Listen("tcp", o.metrics)
		if err != nil {
			return fmt.Errorf("listen metrics: %w", err)
		}
		metricsURL = "http://" + ln.Addr().String() + "/metrics"
		msrv = &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { errc <- msrv.Serve(ln) }()
	}
	feed := "off"
	if o.feed != nil {
		feedCtx, stopFeed := context.WithCancel(ctx)
		feedDone := make(chan struct{})
		if err := registerFeed(reg, "blocks", o.feed.Status); err != nil {
			stopFeed()
			return err
		}
		go func() { defer close(feedDone); o.feed.Run(feedCtx) }()
		defer func() { stopFeed(); <-feedDone }()
		feed = o.feedOf
	}
	if o.ended != nil {
		stopEnded, err := o.ended.start(ctx, r, reg)
		if err != nil {
			return err
		}
		defer stopEnded()
		feed += ", with ended sessions"
	}
	a := r.Addrs()
	fmt.Fprintf(stdout, "turnrelay: TURN on udp %s, tcp %s, tls %s; relay ports %d-%d; TCP allocations %s; realm %s; metrics %s; %d cores; block feed %s\n",
		addrOrOff(a.UDP), addrOrOff(a.TCP), addrOrOff(a.TLS), o.cfg.RelayPortMin, o.cfg.RelayPortMax, onOff(o.cfg.TCPAllocations),
		o.cfg.Realm, metricsURL, runtime.GOMAXPROCS(0), feed)
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve metrics: %w", err)
	}
	if msrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = msrv.Shutdown(sctx)
	}
	return r.Close()
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func addrOrOff(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

func readSecret(file string, getenv func(string) string) ([]byte, error) {
	const how = "generate one with `head -c 32 /dev/urandom | base64 > FILE` and pass -secret-file FILE"
	var s string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read secret: %w", err)
		}
		s = string(b)
	case getenv("TURN_SECRET") != "":
		s = getenv("TURN_SECRET")
	default:
		return nil, fmt.Errorf("no TURN secret: set -secret-file or TURN_SECRET; %s", how)
	}
	s = strings.TrimSpace(s)
	if len(s) < turncred.MinSecretLen {
		return nil, fmt.Errorf("TURN secret is %d bytes, need at least %d; %s", len(s), turncred.MinSecretLen, how)
	}
	return []byte(s), nil
}

func loadTLS(addr, cert, key string) (*tls.Config, error) {
	if addr == "" {
		return nil, nil
	}
	if cert == "" || key == "" {
		return nil, fmt.Errorf("the TURN over TLS listener (-tls %s) needs -cert FILE and -key FILE; pass them, or -tls '' to turn it off", addr)
	}
	c, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	return tlspolicy.Server(&tls.Config{Certificates: []tls.Certificate{c}}), nil
}

func parsePorts(s string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(s, "-")
	l, err1 := strconv.ParseUint(a, 10, 16)
	h, err2 := strconv.ParseUint(b, 10, 16)
	if !ok || err1 != nil || err2 != nil || l == 0 || h < l {
		return 0, 0, fmt.Errorf("-relay-ports %q: want LO-HI, e.g. 49152-65535", s)
	}
	return uint16(l), uint16(h), nil
}

func parsePublicIP(s string) (v4, v6 net.IP, err error) {
	if s == "" {
		return nil, nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		ip, err := netip.ParseAddr(strings.TrimSpace(part))
		if err != nil {
			return nil, nil, fmt.Errorf("-public-ip %q: %w", s, err)
		}
		if ip = ip.Unmap(); ip.Is4() {
			v4 = net.IP(ip.AsSlice())
		} else {
			v6 = net.IP(ip.AsSlice())
		}
	}
	return v4, v6, nil
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("-allow-peers: %w", err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}
