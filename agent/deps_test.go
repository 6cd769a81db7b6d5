package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the one-shot agent lean: it is downloaded by
// customers, so it must not carry the server's store, accounts or relay.
// (Gio is in: the agent's own window asks the customer before anything is
// shared, and shows a demonstration.)
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{
		"modernc.org/sqlite",
		"github.com/tandem-remote/tandem/internal/store",
		"github.com/tandem-remote/tandem/internal/auth",
		"github.com/tandem-remote/tandem/internal/signaling",
		"github.com/tandem-remote/tandem/internal/relay",
		"github.com/tandem-remote/tandem/internal/admin",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("agent depends on %s", dep)
			}
		}
	}
}
