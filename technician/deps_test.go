package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the technician to its role: nothing of the
// server (its store and accounts: with auth and SQLite the binary was
// 36.1 MB, without them 30.4 MB; the login is package login, the client
// half alone), nothing of the agent's side (its platform seam, window,
// window tracking, local-input watcher, self-removal) and no test kit.
// Package capture (internal/media) stays: in demonstration mode the
// technician's own screen is captured and sent.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/server",
		"github.com/tandem-remote/tandem/internal/relay",
		"github.com/tandem-remote/tandem/internal/agent",
		"github.com/tandem-remote/tandem/internal/testkit",
	)
}
