package platform

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/depcheck"
)

// TestDependencies keeps the seam below the session: a platform (X11
// here, Windows next, the fake) implements these interfaces without the
// session, the link or either side's logic, so that it never calls back
// into them except through the options' callbacks.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"github.com/tandem-remote/tandem/internal/session",
		"github.com/tandem-remote/tandem/internal/agentsession",
		"github.com/tandem-remote/tandem/internal/techsession",
		"github.com/tandem-remote/tandem/internal/peer",
		"github.com/tandem-remote/tandem/internal/sigclient",
		"github.com/pion/webrtc/v4",
	)
}
