package cluster

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
)

// Config says how this node reaches the others.
type Config struct {
	// Listen is the embedded NATS server's route listener (HOST:PORT);
	// empty with no URL: no cluster, the node works alone.
	Listen string
	// Routes are the other nodes' route listeners (HOST:PORT); this
	// node's own may be listed too, so every node can share one list.
	Routes []string
	// URL is an external NATS server or cluster (nats:// or tls://),
	// instead of an embedded one.
	URL string
	// Secret authenticates and encrypts the embedded routes (SecretFile's
	// content, at least 32 bytes).
	Secret []byte
	// Name names this node in the cluster and in leases; empty: the host
	// name and the route port.
	Name   string
	Logger *slog.Logger
}

// Enabled reports whether c asks for a cluster at all.
func (c Config) Enabled() bool { return c.Listen != "" || c.URL != "" }

// MinSecretLen is the shortest cluster secret accepted.
const MinSecretLen = 32

// Validate checks c.
func (c Config) Validate() error {
	switch {
	case c.Listen != "" && c.URL != "":
		return errors.New("cluster: -cluster-listen (embedded NATS) and -nats (external NATS) exclude each other: pick one")
	case c.Listen == "" && c.URL == "" && len(c.Routes) > 0:
		return errors.New("cluster: -cluster-routes needs -cluster-listen (this node's own route address)")
	case c.Listen != "" && len(c.Secret) < MinSecretLen:
		return fmt.Errorf("cluster: the secret must be at least %d bytes (head -c 32 /dev/urandom | base64 > FILE, the same file on every node)", MinSecretLen)
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("cluster: -cluster-listen %q: want HOST:PORT", c.Listen)
		}
	}
	for _, r := range c.Routes {
		if _, _, err := net.SplitHostPort(r); err != nil {
			return fmt.Errorf("cluster: route %q: want HOST:PORT", r)
		}
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			return fmt.Errorf("cluster: -nats %q: want nats://HOST:PORT or tls://HOST:PORT", c.URL)
		}
		if _, set := u.User.Password(); set {
			return errors.New("cluster: -nats must not carry a password (a command line is visible to every local user)")
		}
	}
	return nil
}

// SplitRoutes parses a comma-separated -cluster-routes value.
func SplitRoutes(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
