package session

import (
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/tandem-remote/tandem/internal/link/certs"
)

// Flags are the command-line settings the technician and the agent share.
type Flags struct {
	Server    string
	CAFile    string
	RelayOnly bool
	JSON      bool
	Verbose   bool
}

// Register defines the shared flags on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Server, "server", "", "signaling server `URL`, https://HOST[:PORT] (required)")
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
		RootCAs:   pool,
		RelayOnly: f.RelayOnly,
		Report:    NewReporter(stdout, f.JSON),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}, nil
}
