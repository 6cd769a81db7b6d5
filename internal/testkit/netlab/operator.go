package netlab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// OperatorPassword is the password AddOperator gives its accounts.
const OperatorPassword = "copper lantern orchard velvet 7"

// AddOperator readies a fresh signaling server's accounts with the real
// `signaling admin` command (signalingBin) on its data directory, as an
// administrator on the server's machine would: the first administrator,
// "admin", then an operator, "tech", holding every session function. The
// command needs no network, so it works whatever namespace the server is
// in. It writes the password to a file in dir (mode 0600) and returns
// what the technician's -user and -password-file take; the technician's
// own login proves the account works.
func AddOperator(t testing.TB, signalingBin, data, dir string) (user, passwordFile string) {
	t.Helper()
	functions := make([]string, len(grant.Functions))
	for i, f := range grant.Functions {
		functions[i] = string(f)
	}
	for _, args := range [][]string{
		{"user", "add", "-admin", "-name", "First Administrator", "admin"},
		{"user", "add", "-name", "Lab Technician", "tech"},
		append([]string{"perm", "set", "account", "tech"}, functions...),
	} {
		cmd := exec.Command(signalingBin, append([]string{"admin", "-data", data}, args...)...)
		cmd.Stdin = strings.NewReader(OperatorPassword + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("netlab: signaling admin %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	passwordFile = filepath.Join(dir, "operator-password")
	if err := os.WriteFile(passwordFile, []byte(OperatorPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return "tech", passwordFile
}
