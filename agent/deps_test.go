package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the one-shot agent lean: it is downloaded by
// customers, so it must not carry the server's store, accounts or relay.
// (Gio is in: the agent's own window asks the customer before anything is
// shared, and shows a demonstration — in package viewer's display-only
// window, so that stays.) Nor does it carry the technician's side: its
// session, viewer wiring, help desk and login.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/server/store",
		"github.com/tandem-remote/tandem/internal/server/auth",
		"github.com/tandem-remote/tandem/internal/server/signaling",
		"github.com/tandem-remote/tandem/internal/relay",
		"github.com/tandem-remote/tandem/internal/server/admin",
		"github.com/tandem-remote/tandem/internal/testkit",
		"github.com/tandem-remote/tandem/internal/technician/techsession",
		"github.com/tandem-remote/tandem/internal/technician/techui",
		"github.com/tandem-remote/tandem/internal/technician/deskui",
		"github.com/tandem-remote/tandem/internal/technician/deskclient",
		"github.com/tandem-remote/tandem/internal/wire/login",
	)
}
