package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the one-shot agent lean: it is downloaded by
// customers, so it must not carry the server's store, accounts or relay.
// (Gio is in: the agent's own window asks the customer before anything is
// shared, and a demonstration shows in package picture's window, which is
// shared media, not the technician's viewer.) Nor does it carry any of the
// technician's side (its session, viewer, desk, help-desk client), nor the
// operator's login.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/server/store",
		"github.com/tandem-remote/tandem/internal/server/auth",
		"github.com/tandem-remote/tandem/internal/server/signaling",
		"github.com/tandem-remote/tandem/internal/relay",
		"github.com/tandem-remote/tandem/internal/server/admin",
		"github.com/tandem-remote/tandem/internal/testkit",
		"github.com/tandem-remote/tandem/internal/technician",
		"github.com/tandem-remote/tandem/internal/wire/login",
	)
}
