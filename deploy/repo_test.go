package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the top of the work tree these tests run in.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git work tree (%v): these tests clone the repository", err)
	}
	return strings.TrimSpace(string(out))
}

// cleanClone clones the repository's HEAD into a new temporary folder, as
// a new user would get it: no bin/, no data/, nothing built. (It tests
// the committed tree: uncommitted edits are not in it.)
func cleanClone(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tandem")
	run(t, "", nil, "git", "clone", "--quiet", "--shared", repoRoot(t), dir)
	return dir
}

// run runs name args in dir with env added to the environment and returns
// its standard output; it fails the test on error, with both outputs.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// runErr is run that hands back the error, with stdout and stderr in one.
func runErr(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// needRootDebian skips a test that installs, mounts or runs apt's tools
// unless this is Debian and the test runs as root.
func needRootDebian(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mount namespaces, make install's checks); run as root, as CI does")
	}
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("needs Debian (dpkg-query): the install scripts are Debian's")
	}
}
