package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the relay small: it relays packets it cannot
// read, so it carries neither side of a session, nor the signaling
// server's store and accounts, nor a test kit.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/agent",
		"github.com/tandem-remote/tandem/internal/technician",
		"github.com/tandem-remote/tandem/internal/media",
		"github.com/tandem-remote/tandem/internal/server/store",
		"github.com/tandem-remote/tandem/internal/server/auth",
		"github.com/tandem-remote/tandem/internal/server/signaling",
		"github.com/tandem-remote/tandem/internal/testkit",
	)
}
