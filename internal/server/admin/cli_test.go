package admin

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
)

const pw = "harbor quilt saffron ember 88"

type cliEnv struct {
	t   *testing.T
	dir string
}

func newCLIEnv(t *testing.T) *cliEnv {
	dir := t.TempDir()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "tandem.db")) // as the server would have
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return &cliEnv{t: t, dir: dir}
}

// run runs one command with stdin and returns exit status and output.
func (e *cliEnv) run(stdin string, args ...string) (int, string) {
	e.t.Helper()
	var out, errb bytes.Buffer
	cli := CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Auth: auth.Config{Iterations: auth.MinIterations}}
	code := cli.Main(context.Background(), append([]string{"-data", e.dir}, args...))
	return code, out.String() + errb.String()
}

func (e *cliEnv) ok(stdin string, args ...string) string {
	e.t.Helper()
	code, out := e.run(stdin, args...)
	if code != 0 {
		e.t.Fatalf("%v: exit %d: %s", args, code, out)
	}
	return out
}

func (e *cliEnv) db() *sql.DB {
	st, err := store.OpenSQLite(context.Background(), filepath.Join(e.dir, "tandem.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st.DB()
}

// TestCLI drives every kind of command against a data directory and
// checks what a local administrator would read.
func TestCLI(t *testing.T) {
	e := newCLIEnv(t)
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{pw + "\n", []string{"user", "add", "-admin", "-name", "Root", "root"}, "created administrator root"},
		{pw + "\n", []string{"user", "add", "-name", "Op One", "op1"}, "created operator op1"},
		{"", []string{"group", "add", "desk"}, "created group desk"},
		{"", []string{"group", "join", "desk", "op1"}, "op1 joined desk"},
		{"", []string{"ip", "allow", "group", "desk", "::ffff:192.0.2.0/120"}, "may log in from"},
		{"", []string{"ip", "list", "group", "desk"}, "192.0.2.0/24"},
		{"", []string{"perm", "set", "account", "op1", "observe", "chat"}, "may use: observe chat"},
		{"", []string{"user", "list"}, "op1                      operator      active   Op One"},
		{"", []string{"user", "show", "op1"}, "groups: desk\npermissions: chat observe"},
		{"", []string{"user", "disable", "op1"}, "op1: disabled"},
		{"", []string{"user", "enable", "op1"}, "op1: enabled"},
	} {
		if out := e.ok(c.stdin, c.args...); !strings.Contains(out, c.want) {
			t.Errorf("%v: output lacks %q:\n%s", c.args, c.want, out)
		}
	}
	if out := e.ok("", "audit", "list"); strings.Contains(out, pw) || !strings.Contains(out, `actor="local:`) {
		t.Errorf("audit list:\n%s", out)
	}
	if out := e.ok("", "audit", "verify"); !strings.Contains(out, "ok: ") || !strings.Contains(out, "chain intact") {
		t.Errorf("verify: %s", out)
	}
}

// TestCLIUnlock: a block from three failed logins shows in user show and
// is lifted by user unlock.
func TestCLIUnlock(t *testing.T) {
	e := newCLIEnv(t)
	e.ok(pw+"\n", "user", "add", "op1")
	db := e.db()
	until := time.Now().Add(15 * time.Minute).UnixNano()
	if _, err := db.Exec("INSERT INTO lockouts (id, failures, blocked_until, last_attempt) VALUES ('op1', 0, ?, ?)", until, until); err != nil {
		t.Fatal(err)
	}
	if out := e.ok("", "user", "show", "op1"); !strings.Contains(out, "blocked until") {
		t.Errorf("block not shown:\n%s", out)
	}
	e.ok("", "user", "unlock", "op1")
	if out := e.ok("", "user", "show", "op1"); strings.Contains(out, "blocked until") {
		t.Errorf("still blocked:\n%s", out)
	}
	if code, out := e.run("", "user", "unlock", "nobody"); code != 1 || !strings.Contains(out, "not found") {
		t.Errorf("unlock of an unknown ID: %d %s", code, out)
	}
}

// TestCLIVerifyTampered: after a row is changed in SQLite directly,
// audit verify exits 1 and names the entry.
func TestCLIVerifyTampered(t *testing.T) {
	e := newCLIEnv(t)
	e.ok(pw+"\n", "user", "add", "op1")
	e.ok("", "group", "add", "desk")
	e.ok("", "group", "add", "desk2")
	db := e.db()
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'someone-else' WHERE kind = 'admin.group-created' AND subject = 'desk'"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var seq int
	db.QueryRow("SELECT seq FROM audit_log WHERE subject = 'desk'").Scan(&seq)
	code, out := e.run("", "audit", "verify")
	if code != 1 || !strings.Contains(out, "entry "+strconv.Itoa(seq)+":") {
		t.Errorf("exit %d, want 1 naming entry %d:\n%s", code, seq, out)
	}
}

// TestCLIUsage: mistakes exit 2 with a pointer to -h; a missing database
// says which flag to pass; no password means no account.
func TestCLIUsage(t *testing.T) {
	e := newCLIEnv(t)
	for _, args := range [][]string{{"user"}, {"user", "frobnicate"}, {"nope", "x"}, {"ip", "allow", "team", "x", "192.0.2.1"},
		{"user", "add", "a", "b"}, {"audit", "list", "-n", "0"}} {
		if code, out := e.run("", args...); code != 2 && !(args[0] == "ip" && code == 1) {
			t.Errorf("%v: exit %d: %s", args, code, out)
		}
	}
	if code, out := e.run("", "user", "add", "op1"); code != 1 || !strings.Contains(out, "no password") {
		t.Errorf("no password: %d %s", code, out)
	}
	var out bytes.Buffer
	code := CLI{Stdout: &out, Stderr: &out}.Main(context.Background(), []string{"-data", filepath.Join(e.dir, "nope"), "user", "list"})
	if code != 1 || !strings.Contains(out.String(), "-data") {
		t.Errorf("missing database: %d %s", code, out.String())
	}
	out.Reset()
	if code := (CLI{Stdout: &out, Stderr: &out}).Main(context.Background(), []string{"-h"}); code != 0 || !strings.Contains(out.String(), "audit verify") {
		t.Errorf("-h: %d %s", code, out.String())
	}
}
