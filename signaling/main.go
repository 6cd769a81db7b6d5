// Command signaling runs Tandem's signaling server: technicians open
// sessions and get one-time codes, customers' agents join with them, and
// the server pairs the two and forwards their WebRTC negotiation over a
// WebSocket on one HTTPS port. By default it also runs a TURN relay in the
// same process, so one machine is a complete deployment; for more than one
// machine, run `turnrelay` separately and pass its URLs with -turn-url.
//
// On first start it creates its data directory with a self-generated TLS
// certificate (cert.pem, whose fingerprint it prints), the TURN shared
// secret, the grant signing key and the account database
// (tandem.db). There is no default account: while no administrator exists
// it prints a one-time setup token for POST /v1/setup.
//
// `signaling admin ...` manages accounts, groups, IP rules, permissions
// and the audit log directly on the data directory's database; see
// `signaling admin -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tandem-remote/tandem/internal/server/admin"
	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/signaling"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "admin" {
		cli := admin.CLI{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr}
		return cli.Main(context.Background(), args[1:])
	}
	opts, logLevel, err := parseFlags(args, stdout, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	svc, err := signaling.Prepare(opts)
	if err != nil {
		fmt.Fprintf(stderr, "signaling: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := svc.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "signaling: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stdout, stderr io.Writer) (signaling.Options, slog.Level, error) {
	var o signaling.Options
	var level slog.Level
	fs := flag.NewFlagSet("signaling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Addr, "addr", ":8443", "HTTPS and WebSocket listen `ADDR`ess (use :443 in production)")
	fs.StringVar(&o.DataDir, "data", "data", "data `DIR`ectory: certificate, TURN secret, grant key, account database")
	fs.StringVar(&o.Database, "db", "", "the store: empty for DATA/tandem.db (SQLite, one machine), or a PostgreSQL `URL`\n"+
		"postgres://USER@HOST[:PORT]/DB[?sslmode=verify-full] that several signaling processes share; never put\n"+
		"the password in it: use -db-password-file, or PGPASSWORD / PGPASSFILE (default ~/.pgpass) as libpq does")
	fs.StringVar(&o.DatabasePasswordFile, "db-password-file", "", "`FILE` whose first line is the -db PostgreSQL password (e.g. a systemd credential)")
	fs.StringVar(&o.PublicURL, "public-url", "", "`URL` clients use to reach this server (default https://localhost:PORT)")
	fs.Func("turn-url", "relay `URL` handed to clients, repeatable: turn:HOST:3478?transport=udp,\nturn:HOST:3478?transport=tcp, turns:HOST:443?transport=tcp (default: the embedded relay's)", func(s string) error {
		o.TURNURLs = append(o.TURNURLs, s)
		return nil
	})
	fs.DurationVar(&o.RelayProbe.Interval, "relay-probe-interval", signaling.DefaultRelayProbeInterval, "probe each -turn-url relay this often (a STUN Binding over its UDP, TCP or TLS) and\nhand sessions only those answering; three missed probes in a row mark one down (0: never probe)")
	fs.StringVar(&o.TURNSecretFile, "turn-secret-file", "", "shared TURN REST secret `FILE`, the relays' too (default DATA/turn-secret, generated)")
	fs.StringVar(&o.CertFile, "cert", "", "TLS certificate `FILE` (PEM) instead of the self-generated one")
	fs.StringVar(&o.KeyFile, "key", "", "TLS private key `FILE` (PEM) for -cert")
	fs.StringVar(&o.ACMEDomain, "acme-domain", "", "get the TLS certificate from Let's Encrypt for `NAME` (needs -addr :443 reachable from the internet)")
	fs.BoolVar(&o.Relay, "relay", true, "also run a TURN relay in this process (the single-machine default)")
	fs.StringVar(&o.RelayUDP, "relay-udp", ":3478", "embedded relay: TURN over UDP listen `ADDR`ess (empty: off)")
	fs.StringVar(&o.RelayTCP, "relay-tcp", ":3478", "embedded relay: TURN over TCP listen `ADDR`ess (empty: off)")
	fs.StringVar(&o.RelayTLS, "relay-tls", "", "embedded relay: TURN over TLS listen `ADDR`ess, with the server's certificate\n(e.g. :5349, or :443 when signaling listens elsewhere; empty: off)")
	fs.StringVar(&o.RelayPublicIP, "relay-public-ip", "", "embedded relay: the `IP` peers reach it at (default: from -public-url or the default route)")
	fs.Func("relay-allow-peers", "embedded relay: `CIDR,...` it may relay to despite its policy (loopback, private\nand documentation ranges are refused by default)", func(s string) error {
		p, err := parsePrefixes(s)
		o.RelayAllowPeers = append(o.RelayAllowPeers, p...)
		return err
	})
	fs.BoolVar(&o.RelayTCPAllocations, "relay-tcp-allocations", false, "embedded relay: allow TCP allocations (RFC 6062: the relay opens TCP connections to\npeers); WebRTC never uses them, so they are off by default")
	fs.StringVar(&o.HTTPAddr, "http-addr", "", "also listen for plain HTTP on `ADDR` (e.g. :80), only to send clients to HTTPS")
	fs.StringVar(&o.PlainHTTP, "plain-http", "redirect", "what -http-addr does: redirect (GET/HEAD to https, refuse the rest) or refuse (everything)")
	fs.DurationVar(&o.BlockDefault, "block-default", 24*time.Hour, "how long an operator's customer block lasts unless they say")
	fs.DurationVar(&o.BlockMax, "block-max", 7*24*time.Hour, "the longest customer block an operator may set (administrators: any, or permanent)")
	fs.DurationVar(&o.ChatRetention, "chat-retention", 30*24*time.Hour, "keep web chat transcripts this `DURATION` after a conversation ends (0: keep none;\nits end is audited either way, with the transcript's SHA-256)")
	fs.DurationVar(&o.AuditRetention, "audit-retention", 365*24*time.Hour, "keep audit log entries this `DURATION`, then remove them, oldest first (the removal is\naudited and the kept chain still verifies); 0 keeps them for ever; at least 24h and -chat-retention")
	fs.StringVar(&o.AgentBinary, "agent-binary", "", "the plain agent `FILE` customers download from the help page, stamped for their session\n(default: a file named agent next to this program, if present; none: no download)")
	fs.StringVar(&o.AgentWindows, "agent-windows", "", "the plain Windows agent `FILE` (make agent-windows: bin/agent.exe) offered to Windows visitors of the help page,\nstamped the same way (default: a file named agent.exe next to this program, if present; none: Windows visitors are told it is not available)")
	fs.DurationVar(&o.CodeTTL, "code-ttl", 10*time.Minute, "how long a session code, and an agent download made with it, stays valid")
	fs.IntVar(&o.MaxConns, "max-conns", 0, "most concurrent WebSocket connections (`N`), the help desk's included, two per live session (0: 20000, or what the\nopen-files limit holds, said at start; ulimit -n, systemd LimitNOFILE); one network (IPv4 /24, IPv6 /48) holds at most 1/8,\nan IPv6 /56 1/32; when full, a newcomer from a quieter network takes the slot of the busiest network's oldest connection yet to say hello")
	fs.IntVar(&o.MaxConnsPerSource, "max-conns-per-source", 0, "most concurrent WebSocket connections from one source (`N`): an IPv4 address or an IPv6 /64\n"+
		"(0: 100, or half of -max-conns if less); its TCP connections of any kind are capped at 2N+64, refused before TLS.\n"+
		"An office behind one NAT address may need more")
	fs.Float64Var(&o.NewConnsPerSource, "new-conns-per-source", signaling.DefaultNewConnsPerSource, "new connections a second one source may open (`RATE`) once its -new-conns-burst is spent;\n"+
		"more are closed before TLS. An office behind one NAT address may need more")
	fs.IntVar(&o.NewConnsBurst, "new-conns-burst", signaling.DefaultNewConnsBurst, "new connections one source may open at once (`N`) before -new-conns-per-source applies")
	fs.StringVar(&o.MetricsAddr, "metrics-addr", "127.0.0.1:9640", "plain HTTP listen `ADDR`ess for /metrics (Prometheus) and /healthz, never served on -addr:\n"+
		"they tell when sessions are live, so keep it on loopback or firewall it (empty disables)")
	fs.StringVar(&o.Cluster.Listen, "cluster-listen", "", "several nodes: this node's embedded NATS route listen `ADDR`ess (e.g. :6222); routes are\n"+
		"mutual TLS 1.3, AES-256-GCM, keyed by -cluster-secret-file; needs -db postgres://... (empty: one node alone, no NATS)")
	fs.Func("cluster-routes", "several nodes: the other nodes' route `HOST:PORT,...` (this node's own may be listed: one list for all)", func(s string) error {
		o.Cluster.Routes = append(o.Cluster.Routes, cluster.SplitRoutes(s)...)
		return nil
	})
	fs.StringVar(&o.ClusterSecretFile, "cluster-secret-file", "", "several nodes: `FILE` holding the secret that authenticates and encrypts the routes, the same on\n"+
		"every node (default DATA/cluster-secret, generated by the first node: copy it to the others)")
	fs.StringVar(&o.Cluster.URL, "nats", "", "several nodes: an external NATS server or cluster `URL` (nats:// or tls://) instead of embedded routes")
	fs.StringVar(&o.Cluster.Name, "node-name", "", "several nodes: this node's `NAME` in the cluster (default: host name and route port)")
	fs.TextVar(&level, "log-level", slog.LevelInfo, "log `LEVEL`: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: signaling [flags]

Runs the Tandem signaling server (HTTPS + WebSocket on one port) and, unless
-relay=false, a TURN relay in the same process. It prints the commands a
technician and a customer run to connect.

       signaling admin [-data DIR] COMMAND ...

Manages accounts, groups, IP rules, permissions and the audit log on the
data directory's database (see signaling admin -h).

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, level, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "signaling: unexpected argument %q (see -h)\n", fs.Arg(0))
		return o, level, errUsage
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		fmt.Fprintln(stderr, "signaling: -cert and -key go together")
		return o, level, errUsage
	}
	o.Out = stdout
	return o, level, nil
}

var errUsage = errors.New("usage")

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
