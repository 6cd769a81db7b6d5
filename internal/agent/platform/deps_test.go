package platform

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the seam below the session: a platform (X11
// here, Windows next, the fake) implements these interfaces without the
// session, the link or either side's logic, so that it never calls back
// into them except through the options' callbacks.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"github.com/tandem-remote/tandem/internal/link/session",
		"github.com/tandem-remote/tandem/internal/agent/agentsession",
		"github.com/tandem-remote/tandem/internal/technician/techsession",
		"github.com/tandem-remote/tandem/internal/link/peer",
		"github.com/tandem-remote/tandem/internal/link/sigclient",
		"github.com/pion/webrtc/v4",
	)
}
