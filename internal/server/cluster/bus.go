package cluster

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Kind says what a bus message carries (its kindHeader).
type Kind string

const (
	// KindFrame: a signaling message from the other side's client, to
	// write verbatim to this side's.
	KindFrame Kind = "frame"
	// KindJoined: an agent joined on another node; the data is its
	// identity (proto.Join.Agent), possibly empty.
	KindJoined Kind = "joined"
	// KindGone: the other side's client lost its node.
	KindGone Kind = "gone"
	// KindEnd: the other side ended the session; the data is the goodbye
	// to write to this side's client.
	KindEnd Kind = "end"
)

const kindHeader = "Tandem-Kind"

// SubjectJoinFailures carries every node's failed joins (wrong codes and
// tickets), the source address as text, so that each node throttles a
// source for the guesses it sprayed over all of them.
const SubjectJoinFailures = "tandem.join-failures"

// SubjectSessionEnds carries the sessions a node ended (sessionfeed.End,
// JSON), so that every node's relays refuse their credentials.
const SubjectSessionEnds = "tandem.session-ends"

// Subject is where messages for role's side of session are published.
// Session IDs are random hex, so they are valid subject tokens.
func Subject(session string, role proto.Role) string {
	return "tandem.session." + session + "." + string(role)
}

// Bus is this node's connection to the others. A node never receives
// what it publishes itself.
type Bus struct {
	nc       *nats.Conn
	embedded *server.Server // nil with an external NATS
	name     string
	describe string
}

// Start connects this node to the cluster cfg names: an embedded NATS
// server routed to the others, or an external NATS. The caller has
// checked cfg.Enabled and Validate.
func Start(cfg Config) (*Bus, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Name = cfg.NodeName()
	if cfg.URL != "" {
		return connectExternal(cfg)
	}
	token := rand.Text()
	ns, err := startEmbedded(cfg, token)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Token(token), nats.Name(cfg.Name), nats.MaxReconnects(-1), nats.NoEcho())
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("cluster: connect to the embedded NATS server: %w", err)
	}
	d := fmt.Sprintf("node %s, embedded NATS routes on %s (mutual TLS 1.3, AES-256-GCM, the cluster secret's certificate)", cfg.Name, ns.ClusterAddr())
	if len(cfg.Routes) > 0 {
		d += fmt.Sprintf(", routes to %v", cfg.Routes)
	}
	return &Bus{nc: nc, embedded: ns, name: cfg.Name, describe: d}, nil
}

func connectExternal(cfg Config) (*Bus, error) {
	nc, err := nats.Connect(cfg.URL, nats.Name(cfg.Name), nats.MaxReconnects(-1), nats.NoEcho(),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			cfg.Logger.Warn("cluster: NATS disconnected", "err", err)
		}))
	if err != nil {
		return nil, fmt.Errorf("cluster: connect to -nats %s: %w (is it running and reachable?)", cfg.URL, err)
	}
	return &Bus{nc: nc, name: cfg.Name, describe: "node " + cfg.Name + ", external NATS " + nc.ConnectedUrlRedacted()}, nil
}

// startEmbedded runs this node's NATS server: routes over TLS to the
// others, clients only with token.
func startEmbedded(cfg Config, token string) (*server.Server, error) {
	host, port, err := splitPort(cfg.Listen)
	if err != nil {
		return nil, err
	}
	tc, err := routeTLS(cfg.Secret)
	if err != nil {
		return nil, err
	}
	var routes []*url.URL
	for _, r := range cfg.Routes {
		routes = append(routes, &url.URL{Scheme: "nats", Host: r})
	}
	// NATS starts its routes only once its client listener is up
	// (server.Start; DontListen never starts them), so it gets one on
	// loopback, at a random port, closed to anyone without this process's
	// random token; the node itself connects in-process.
	opts := &server.Options{
		ServerName:    cfg.Name,
		Host:          "127.0.0.1",
		Port:          server.RANDOM_PORT,
		Authorization: token,
		NoSigs:        true,
		Cluster: server.ClusterOpts{
			Name: "tandem", Host: host, Port: port,
			TLSConfig: tc, TLSTimeout: 5,
		},
		Routes: routes,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded NATS: %w", err)
	}
	ns.SetLoggerV2(natsLog{cfg.Logger}, false, false, false)
	go ns.Start() // returns at once; Shutdown stops what it started
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("cluster: the embedded NATS server did not start on %s (is the port taken?)", cfg.Listen)
	}
	return ns, nil
}

func splitPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("cluster: -cluster-listen %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("cluster: -cluster-listen %q: bad port", addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if port == 0 {
		port = server.RANDOM_PORT // NATS reads 0 as no routes at all
	}
	return host, port, nil
}

// NodeName is cfg.Name or, by default, the host's name and the route
// port: nodes on one host listen on different ports.
func (cfg Config) NodeName() string {
	if cfg.Name != "" {
		return cfg.Name
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "node"
	}
	if _, p, err := net.SplitHostPort(cfg.Listen); err == nil && p != "" && p != "0" {
		h += "-" + p
	}
	return h
}

// Connected reports whether this node's client is connected to NATS (its
// embedded server, or the external one).
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Name is this node's name.
func (b *Bus) Name() string { return b.name }

// Describe says what this node joined, for the start-up summary.
func (b *Bus) Describe() string { return b.describe }

// RoutesUp counts the other nodes the embedded server has routes to (0
// with an external NATS).
func (b *Bus) RoutesUp() int {
	if b.embedded == nil {
		return 0
	}
	return b.embedded.NumRemotes()
}

// ClusterAddr is the embedded server's route listener (nil with an
// external NATS): a test asks with port 0.
func (b *Bus) ClusterAddr() net.Addr {
	if b.embedded == nil {
		return nil
	}
	return b.embedded.ClusterAddr()
}

// Publish sends data of kind to subject.
func (b *Bus) Publish(subject string, kind Kind, data []byte) error {
	m := nats.NewMsg(subject)
	m.Header.Set(kindHeader, string(kind))
	m.Data = data
	if err := b.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("cluster: publish: %w", err)
	}
	return nil
}

// Subscribe calls fn, one message at a time in order, for what is
// published to subject, until the returned function is called. It
// returns once the subscription is registered with this node's server.
func (b *Bus) Subscribe(subject string, fn func(Kind, []byte)) (func(), error) {
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) { fn(Kind(m.Header.Get(kindHeader)), m.Data) })
	if err != nil {
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	if err := b.nc.FlushTimeout(5 * time.Second); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	return func() { sub.Unsubscribe() }, nil
}

// Close closes the connection and stops the embedded server.
func (b *Bus) Close() error {
	b.nc.Close()
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
	return nil
}

// natsLog hands the embedded server's log to slog: notices about routes
// (which nodes this one joined) at info, its other notices at debug (it is
// chatty at start), warnings and errors as they are.
type natsLog struct{ l *slog.Logger }

func (n natsLog) Noticef(f string, v ...any) {
	msg := fmt.Sprintf(f, v...)
	if strings.Contains(strings.ToLower(msg), "route") {
		n.l.Info("nats: " + msg)
		return
	}
	n.l.Debug("nats: " + msg)
}

func (n natsLog) Warnf(f string, v ...any)  { n.l.Warn("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLog) Fatalf(f string, v ...any) { n.l.Error("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLog) Errorf(f string, v ...any) { n.l.Error("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLog) Debugf(f string, v ...any) { n.l.Debug("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLog) Tracef(f string, v ...any) {}
