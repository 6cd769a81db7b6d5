package signaling

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/acme/autocert"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/helpdesk"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// Options are the signaling binary's settings: a Server's Config plus what
// the process needs around it (data directory, TLS, the embedded relay).
type Options struct {
	Addr           string   // HTTPS listen address
	DataDir        string   // holds cert.pem, key.pem, turn-secret, grant-key, tandem.db
	PublicURL      string   // how clients reach this server; derived from Addr if empty
	TURNURLs       []string // relay URLs for clients; derived from the embedded relay if empty
	TURNSecretFile string   // shared TURN secret; DATA/turn-secret (generated) if empty
	CertFile       string   // with KeyFile: use this certificate instead of a self-generated one
	KeyFile        string
	ACMEDomain     string // get a certificate from an ACME CA (Let's Encrypt) for this name

	// Database is the store: empty for DATA/tandem.db (SQLite, one
	// machine), or a postgres:// URL without a password, shared by
	// several signaling processes (store.Open).
	Database string
	// DatabasePasswordFile holds the PostgreSQL password (first line);
	// empty: PGPASSWORD or the passfile (PGPASSFILE, ~/.pgpass), as libpq.
	DatabasePasswordFile string

	// RelayProbe is how the TURNURLs' relays are probed (relaypool.go);
	// zero Interval: not probed, all handed out.
	RelayProbe RelayProbe

	Relay           bool   // run a TURN relay in this process
	RelayUDP        string // its listeners
	RelayTCP        string
	RelayTLS        string // TURN over TLS, with the server's certificate
	RelayPublicIP   string
	RelayAllowPeers []netip.Prefix
	// RelayTCPAllocations turns on RFC 6062 TCP allocations (relay.Config).
	RelayTCPAllocations bool

	// Auth configures operator login (zero: the defaults in auth.Config).
	Auth auth.Config
	// BlockDefault and BlockMax are how long an operator's customer block
	// lasts by default and at most (zero: admin.DefaultBlockFor and
	// admin.DefaultBlockMax).
	BlockDefault, BlockMax time.Duration
	// HTTPAddr, if set, listens for plain HTTP only to send browsers to
	// HTTPS (see PlainHTTP); no route is ever served over it.
	HTTPAddr string
	// PlainHTTP is what the HTTPAddr listener does: "redirect" (default)
	// sends GET and HEAD to the same path over HTTPS and refuses the rest;
	// "refuse" refuses everything.
	PlainHTTP string
	// ChatRetention is how long web chat transcripts are kept after a
	// conversation ends; zero keeps none (the flag's default is 30 days).
	ChatRetention time.Duration
	// AuditRetention is how long audit entries are kept; older ones are
	// removed every hour, the removal itself audited. Zero keeps them for
	// ever; otherwise at least audit.MinRetention and ChatRetention.
	AuditRetention time.Duration
	// AgentBinary is the plain agent served, stamped for one session, to
	// customers (agentdl.go); empty: a file named "agent" next to this
	// executable, if there is one.
	AgentBinary string
	// AgentWindows is the plain Windows agent (agent.exe) served the same
	// way; empty: a file named "agent.exe" next to this executable, if any.
	AgentWindows string
	// CodeTTL is how long a session code, and so an agent download's
	// ticket, stays valid (zero: 10 minutes).
	CodeTTL time.Duration
	// MaxConns bounds concurrent WebSocket connections: two per live
	// session, one per waiting technician (zero: DefaultMaxConns, or what
	// the open-files limit holds).
	MaxConns int
	// MaxConnsPerSource, NewConnsPerSource and NewConnsBurst bound what
	// one source holds and how fast it connects (zero: Config's defaults).
	MaxConnsPerSource int
	NewConnsPerSource float64
	NewConnsBurst     int
	// MetricsAddr is where /metrics and /healthz are served over plain
	// HTTP, never on Addr (empty: nowhere).
	MetricsAddr string
	// Cluster makes this process one node of several on one PostgreSQL
	// database (clusternode.go); zero: one node alone, no NATS started.
	// Its Secret is read from ClusterSecretFile.
	Cluster cluster.Config
	// ClusterSecretFile authenticates the embedded NATS routes, the same
	// file on every node (empty: DATA/cluster-secret, generated).
	ClusterSecretFile string

	Logger *slog.Logger
	Out    io.Writer // where the start-up summary goes
}

// Service is a prepared signaling process: data directory ready, TLS and
// secrets loaded, relay (if any) listening.
type Service struct {
	opts     Options
	server   *Server
	relay    *relay.Relay
	reg      *prometheus.Registry // one /metrics for the server and the embedded relay
	tls      *tls.Config
	ln       net.Listener
	httpLn   net.Listener // optional plain HTTP, redirect or refuse only
	metrics  net.Listener // optional /metrics and /healthz (MetricsAddr)
	accounts *accounts
	bus      *cluster.Bus  // nil on one node alone
	desk     *helpdesk.Hub // the web chat and operators' desk (desk.go)
	public   *url.URL
	certFile string
	summary  []string
}

// Prepare sets up the data directory, TLS, secrets and the embedded relay,
// and binds the listening socket, so that errors surface before Run.
func Prepare(opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	publicURL, err := publicURL(opts.PublicURL, opts.Addr)
	if err != nil {
		return nil, err
	}
	if err := checkRetention(opts); err != nil {
		return nil, err
	}
	warnRetiredToken(opts)
	secretFile := opts.TURNSecretFile
	if secretFile == "" {
		secretFile = filepath.Join(opts.DataDir, "turn-secret")
		if err := createSecret(secretFile); err != nil {
			return nil, err
		}
	}
	secret, err := ReadSecretFile(secretFile)
	if err != nil {
		return nil, err
	}
	svc := &Service{opts: opts, reg: prometheus.NewRegistry()}
	if err := svc.setupTLS(publicURL); err != nil {
		return nil, err
	}
	svc.public = publicURL
	// Accounts first: the embedded relay asks them about customer blocks.
	if svc.accounts, err = svc.openAccounts(context.Background(), publicURL.String()); err != nil {
		svc.Close()
		return nil, err
	}
	acc := svc.accounts
	acc.admin.SetBlockLimits(opts.BlockDefault, opts.BlockMax)
	turnURLs := opts.TURNURLs
	if opts.Relay {
		if turnURLs, err = svc.startRelay(publicURL, secret, turnURLs); err != nil {
			svc.Close()
			return nil, err
		}
	}
	relays, err := svc.relayPool() // -turn-url relays, probed (relaypool.go)
	if err != nil {
		svc.Close()
		return nil, err
	}
	clustered, err := svc.joinCluster(context.Background())
	if err != nil {
		svc.Close()
		return nil, err
	}
	sessions := &deskSessions{}
	if svc.desk, err = svc.newDesk(publicURL, sessions); err != nil {
		svc.Close()
		return nil, err
	}
	agentBin, err := svc.agentBinary()
	if err != nil {
		svc.Close()
		return nil, err
	}
	agentWin, err := svc.agentWindows()
	if err != nil {
		svc.Close()
		return nil, err
	}
	maxConns, said := maxConnsFor(opts.MaxConns)
	if said != "" {
		svc.summary = append(svc.summary, said)
		level := slog.LevelInfo // the default, shrunk to fit
		if opts.MaxConns != 0 {
			level = slog.LevelWarn // asked for more than can be opened
		}
		opts.Logger.Log(context.Background(), level, "open files limit below the connection bound", "max_conns", maxConns)
	}
	svc.server, err = New(Config{
		Auth: acc.auth, API: acc.admin.Handler(), Desk: svc.desk.Handler(), Audit: acc.audit, GrantKey: acc.grantKey,
		Permissions: acc.st.AccountPermissions,
		Blocked:     acc.admin.CustomerBlocked, RelayBlocks: svc.relayBlocks, SessionEnds: svc.sessionEnds(),
		EndGrace: DefaultEndGrace,
		TURNURLs: turnURLs, TURNSecret: secret, relays: relays,
		OriginPatterns: []string{publicURL.Host}, Logger: opts.Logger, Registry: svc.reg,
		AgentBinary: agentBin, AgentBinaryWindows: agentWin, PublicURL: publicURL.String(), CertPin: certPin(svc.tls, opts.ACMEDomain), CodeTTL: opts.CodeTTL,
		MaxConns: maxConns, MaxConnsPerSource: opts.MaxConnsPerSource,
		NewConnsPerSource: opts.NewConnsPerSource, NewConnsBurst: opts.NewConnsBurst,
		Cluster: clustered,
	})
	if err != nil {
		svc.Close()
		return nil, err
	}
	svc.mountWeb(sessions)
	if err := svc.listen(); err != nil {
		svc.Close()
		return nil, err
	}
	svc.describe(publicURL, turnURLs, secretFile)
	return svc, nil
}

func (svc *Service) setupTLS(public *url.URL) error {
	o := svc.opts
	switch {
	case o.ACMEDomain != "":
		m := &autocert.Manager{Prompt: autocert.AcceptTOS, HostPolicy: autocert.HostWhitelist(o.ACMEDomain),
			Cache: autocert.DirCache(filepath.Join(o.DataDir, "acme"))}
		svc.tls = m.TLSConfig()
		svc.summary = append(svc.summary, "TLS certificate: from ACME for "+o.ACMEDomain)
		return nil
	case o.CertFile != "" || o.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return fmt.Errorf("load -cert/-key: %w", err)
		}
		svc.tls = &tls.Config{Certificates: []tls.Certificate{cert}}
		svc.certFile = o.CertFile
		svc.summary = append(svc.summary, "TLS certificate: "+o.CertFile+" (SHA-256 "+certs.Fingerprint(cert)+")")
		return nil
	}
	certFile, keyFile := filepath.Join(o.DataDir, "cert.pem"), filepath.Join(o.DataDir, "key.pem")
	hosts := certHosts(public, o.Addr)
	cert, created, missing, err := certs.LoadOrCreate(certFile, keyFile, hosts)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		o.Logger.Warn("certificate does not cover every name; delete cert.pem and key.pem to regenerate", "missing", strings.Join(missing, ","))
	}
	svc.tls = &tls.Config{Certificates: []tls.Certificate{cert}}
	svc.certFile = certFile
	state := "self-generated, kept in"
	if created {
		state = "self-generated now, saved to"
	}
	svc.summary = append(svc.summary, fmt.Sprintf("TLS certificate: %s %s\n  SHA-256 fingerprint %s", state, certFile, certs.Fingerprint(cert)))
	return nil
}

// certHosts lists the names a self-generated certificate covers.
func certHosts(public *url.URL, addr string) []string {
	hosts := []string{public.Hostname(), "localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	if hn, err := os.Hostname(); err == nil {
		hosts = append(hosts, hn)
	}
	var out []string
	seen := map[string]bool{}
	for _, h := range hosts {
		if ip := net.ParseIP(h); h == "" || seen[h] || (ip != nil && ip.IsUnspecified()) {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

// publicURL returns the URL clients use, derived from addr when not given.
func publicURL(raw, addr string) (*url.URL, error) {
	if raw == "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("-addr %q: %w", addr, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "localhost"
		}
		raw = "https://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("-public-url %q: want https://HOST[:PORT]", raw)
	}
	return u, nil
}

func (svc *Service) describe(public *url.URL, turnURLs []string, secretFile string) {
	o := svc.opts
	lines := []string{"Tandem signaling server", "  URL: " + public.String() + " (listening on " + svc.ln.Addr().String() + ")"}
	for _, s := range svc.summary {
		lines = append(lines, "  "+s)
	}
	lines = append(lines, "  "+svc.describeLimits(), "  "+svc.describeMetrics())
	lines = append(lines, "  TURN secret: "+secretFile)
	if len(turnURLs) == 0 {
		lines = append(lines, "  TURN relay: none (peers can only connect directly; pass -turn-url or keep the embedded relay)")
	}
	for _, u := range turnURLs {
		lines = append(lines, "  TURN relay: "+u)
	}
	ca := ""
	if svc.certFile != "" && o.ACMEDomain == "" {
		ca = " -ca " + svc.certFile
	}
	admin := "signaling admin -data " + o.DataDir
	lines = append(lines, "",
		"Operators:   "+admin+" user add -name \"Full Name\" ID   (password on standard input)",
		"             "+admin+" perm set account ID "+allFunctions(),
		"Technician:  technician -server "+public.String()+ca+" -user ID   (asks for the password)",
		"Customer:    agent -server "+public.String()+ca+" -code CODE",
	)
	if o.Out != nil {
		fmt.Fprintln(o.Out, strings.Join(lines, "\n"))
	}
}

// Close releases the relay and the database; Run calls it.
func (svc *Service) Close() error {
	var errs []error
	if svc.relay != nil {
		errs = append(errs, svc.relay.Close())
	}
	if svc.httpLn != nil {
		svc.httpLn.Close()
	}
	if svc.metrics != nil {
		svc.metrics.Close()
	}
	if svc.bus != nil {
		errs = append(errs, svc.bus.Close())
	}
	errs = append(errs, svc.accounts.close())
	return errors.Join(errs...)
}

// createSecret writes 32 random bytes, base64-encoded, to name (mode 0600)
// unless it already exists.
func createSecret(name string) error {
	if _, err := os.Stat(name); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("TURN secret file: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	return certs.WriteFileAtomic(name, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600)
}

// warnRetiredToken tells whoever upgrades that DATA/technician-token, the
// shared token of earlier versions, no longer opens anything.
func warnRetiredToken(o Options) {
	name := filepath.Join(o.DataDir, "technician-token")
	if _, err := os.Stat(name); err == nil {
		o.Logger.Warn("the shared technician token is no longer used: technicians log in as operators (technician -user ID); delete the file", "file", name)
	}
}

// allFunctions lists every function a grant can carry, for the banner.
func allFunctions() string {
	names := make([]string, len(grant.Functions))
	for i, f := range grant.Functions {
		names[i] = string(f)
	}
	return strings.Join(names, " ")
}

// ReadSecretFile reads a shared secret (trimmed) from name.
func ReadSecretFile(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("TURN secret file: %w (create one with: head -c 32 /dev/urandom | base64 > FILE)", err)
	}
	return []byte(strings.TrimSpace(string(b))), nil
}
