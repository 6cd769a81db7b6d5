package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/depcheck"
)

// TestDependencies keeps the server's store out of the technician: its
// login is package login, the client half alone (with auth and SQLite the
// binary was 36.1 MB, without them 30.4 MB). It keeps the agent's side out
// too: its platform seam, window, window tracking, local-input watcher
// and self-removal
// (package capture stays: in demonstration mode the technician's own
// screen is captured and sent).
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/store",
		"github.com/tandem-remote/tandem/internal/auth",
		"github.com/tandem-remote/tandem/internal/signaling",
		"github.com/tandem-remote/tandem/internal/admin",
		"github.com/tandem-remote/tandem/internal/agentsession",
		"github.com/tandem-remote/tandem/internal/agentui",
		"github.com/tandem-remote/tandem/internal/appsel",
		"github.com/tandem-remote/tandem/internal/localinput",
		"github.com/tandem-remote/tandem/internal/selfremove",
		"github.com/tandem-remote/tandem/internal/platform",
	)
}
