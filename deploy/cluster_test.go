package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const clusterDropIn = "etc/systemd/system/tandem-signaling.service.d/cluster.conf"

// TestClusterDropIn: tandem-signaling.service with the cluster drop-in,
// installed where README.md says, passes systemd-analyze verify (and a
// misspelt key in the drop-in does not: verify reads it), replaces the
// unit's ExecStart rather than adding a second, hands the secrets as
// credentials, and names only flags that signaling has.
func TestClusterDropIn(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		if os.Geteuid() == 0 {
			t.Fatal("no systemd-analyze: scripts/install-deps.sh test installs the systemd package")
		}
		t.Skip("no systemd-analyze (the systemd package); make test installs it")
	}
	root := repoRoot(t)
	dest := unitRoot(t, root)
	unit := "/etc/systemd/system/tandem-signaling.service"
	if out, err := runErr("", nil, "systemd-analyze", "verify", "--root="+dest, unit); err != nil || out != "" {
		t.Errorf("systemd-analyze verify with the cluster drop-in: %v\n%s", err, out)
	}
	dropIn := readUnit(t, root, "tandem-signaling-cluster.conf")
	if got := dropIn["ExecStart"]; len(got) != 2 || got[0] != "" {
		t.Errorf("the drop-in's ExecStart=%q, want an empty one first (else systemd refuses a second)", got)
	}
	for _, cred := range []string{"db-password", "cluster-secret", "turn-secret"} {
		if !strings.Contains(strings.Join(dropIn["LoadCredential"], " "), cred+":/etc/tandem/"+cred) ||
			!strings.Contains(dropIn["ExecStart"][1], "-"+cred+"-file %d/"+cred) {
			t.Errorf("the drop-in does not hand %s as a credential named by its flag", cred)
		}
	}
	checkFlagsExist(t, root, dropIn["ExecStart"][1], readUnit(t, root, "cluster.env")["CLUSTER_FLAGS"][0])

	// The check can fail: a misspelt key in the drop-in.
	writeFile(t, filepath.Join(dest, clusterDropIn), strings.Replace(readFile(t, filepath.Join(dest, clusterDropIn)),
		"[Service]", "[Service]\nLoadCredentials=x:/etc/tandem/x", 1))
	if out, _ := runErr("", nil, "systemd-analyze", "verify", "--root="+dest, unit); !strings.Contains(out, "LoadCredentials") {
		t.Errorf("systemd-analyze verify did not read the drop-in (a misspelt key passed):\n%s", out)
	}
}

// unitRoot lays out a root for systemd-analyze: the signaling unit, the
// drop-in where README.md installs it, an executable where ExecStart
// looks (verify checks it is there) and this system's units (the targets
// they name).
func unitRoot(t *testing.T, root string) string {
	t.Helper()
	dest := t.TempDir()
	writeFile(t, filepath.Join(dest, "etc/systemd/system/tandem-signaling.service"), readFile(t, filepath.Join(root, "deploy/tandem-signaling.service")))
	writeFile(t, filepath.Join(dest, clusterDropIn), readFile(t, filepath.Join(root, "deploy/tandem-signaling-cluster.conf")))
	bin := filepath.Join(dest, "usr/local/bin/signaling")
	writeFile(t, bin, "#!/bin/sh\n")
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dest, "usr/lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "", nil, "cp", "-a", "/usr/lib/systemd/system", filepath.Join(dest, "usr/lib/systemd/"))
	return dest
}

// checkFlagsExist fails t for every -flag of the command lines that
// signaling/main.go does not define.
func checkFlagsExist(t *testing.T, root string, lines ...string) {
	t.Helper()
	src := readFile(t, filepath.Join(root, "signaling/main.go"))
	for _, f := range strings.Fields(strings.Join(lines, " ")) {
		name, ok := strings.CutPrefix(f, "-")
		if !ok {
			continue
		}
		if !strings.Contains(src, `"`+name+`"`) {
			t.Errorf("flag -%s is not one of signaling's (signaling/main.go)", name)
		}
	}
}
