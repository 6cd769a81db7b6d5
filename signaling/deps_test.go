package main

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/depcheck"
)

// TestDependencies keeps the server to its role: neither side of a
// session (their windows, capture, input injection) nor a test kit.
func TestDependencies(t *testing.T) {
	depcheck.Forbid(t,
		"github.com/tandem-remote/tandem/internal/agent",
		"github.com/tandem-remote/tandem/internal/technician",
		"github.com/tandem-remote/tandem/internal/media",
		"github.com/tandem-remote/tandem/internal/testkit",
		"gioui.org",
	)
}
