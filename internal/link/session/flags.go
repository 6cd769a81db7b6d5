package session

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/tandem-remote/tandem/internal/link/certs"
)

// Flags are the command-line settings the technician and the agent share.
type Flags struct {
	Server    string
	More      string // -more-servers: comma-separated
	CAFile    string
	RelayOnly bool
	JSON      bool
	Verbose   bool
}

// Register defines the shared flags on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Server, "server", "", "signaling server `URL`, https://HOST[:PORT] (required)")
	fs.StringVar(&f.More, "more-servers", "", "other nodes of the same signaling service, `URL[,URL...]`, tried in turn after -server\nwhen a broken connection is taken up again (not needed behind a load balancer or DNS\nthat sends to live nodes)")
	fs.StringVar(&f.CAFile, "ca", "", "also trust the certificates in `FILE` (PEM), for the signaling server and turns: relays;\nfor a self-hosted server, its DATA/cert.pem")
	fs.BoolVar(&f.RelayOnly, "relay-only", false, "connect through the TURN relay only, never directly\n(hides this machine's addresses from the other side)")
	fs.BoolVar(&f.JSON, "json", false, "print events as JSON, one object per line")
	fs.BoolVar(&f.Verbose, "v", false, "log details to standard error")
}

// Common turns the flags into the shared session configuration.
func (f *Flags) Common(stdout io.Writer) (Common, error) {
	pool, err := certs.Pool(f.CAFile)
	if err != nil {
		return Common{}, err
	}
	level := slog.LevelWarn
	if f.Verbose {
		level = slog.LevelDebug
	}
	return Common{
		Server:    f.Server,
		More:      splitList(f.More),
		RootCAs:   pool,
		RelayOnly: f.RelayOnly,
		Report:    NewReporter(stdout, f.JSON),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
