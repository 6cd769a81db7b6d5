package admin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestCLIPostgres: with -db and -db-password-file, the commands act on the
// PostgreSQL database several nodes share, not on a SQLite file: an
// account added there is what a node opening that database sees, the
// audit chain verifies, and no SQLite store appears under -data. A -db
// that is not a postgres:// URL is a usage error.
func TestCLIPostgres(t *testing.T) {
	c := pgtest.Shared(t)
	url := c.NewDatabase(t)
	ctx := context.Background()
	node, err := store.Open(ctx, url, c.PasswordFile()) // as a node would have
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	data := t.TempDir()
	run := func(stdin string, args ...string) (int, string) {
		var out bytes.Buffer
		cli := CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out, Auth: auth.Config{Iterations: auth.MinIterations}}
		code := cli.Main(ctx, append([]string{"-data", data, "-db", url, "-db-password-file", c.PasswordFile()}, args...))
		return code, out.String()
	}
	for _, step := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{pw + "\n", []string{"user", "add", "-admin", "-name", "Root", "root"}, "created administrator root"},
		{"", []string{"user", "list"}, "root"},
		{"", []string{"audit", "verify"}, "chain intact"},
	} {
		if code, out := run(step.stdin, step.args...); code != 0 || !strings.Contains(out, step.want) {
			t.Fatalf("%v: exit %d, want 0 and %q:\n%s", step.args, code, step.want, out)
		}
	}
	if _, err := node.Account(ctx, "root"); err != nil {
		t.Errorf("the node's store does not see the account the CLI added: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "tandem.db")); !os.IsNotExist(err) {
		t.Errorf("a SQLite store appeared under -data (stat: %v)", err)
	}

	var out bytes.Buffer
	cli := CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}
	if code := cli.Main(ctx, []string{"-db", filepath.Join(data, "tandem.db"), "user", "list"}); code != 2 || !strings.Contains(out.String(), "not a postgres:// URL") {
		t.Errorf("-db with a file path: exit %d, want 2 with advice:\n%s", code, out.String())
	}
}
