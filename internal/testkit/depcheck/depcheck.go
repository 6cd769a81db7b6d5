// Package depcheck lets a main package's test keep it from linking what it
// must not carry (the server's store in a binary customers or technicians
// download, say).
package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

// Forbid fails t for every package the package in the current directory
// depends on that is one of forbidden or below one of them. It skips when
// the go tool cannot list the dependencies.
func Forbid(t *testing.T, forbidden ...string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("depends on %s", dep)
			}
		}
	}
}
