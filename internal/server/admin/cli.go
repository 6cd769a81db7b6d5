package admin

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// CLI runs `signaling admin ...` on a data directory's database.
type CLI struct {
	Stdin          io.Reader // passwords, one line each
	Stdout, Stderr io.Writer
	Auth           auth.Config // the server's login settings (zero: defaults)
}

const usage = `Usage: signaling admin [-data DIR | -db URL [-db-password-file FILE]] COMMAND ...

Runs administrative actions directly on the server's store: DIR/tandem.db
(SQLite, one machine), or the PostgreSQL database several nodes share,
given as the nodes' -db URL (its password from -db-password-file or
PGPASSWORD, never in the URL). The servers may keep running. Every change
is recorded in the audit log as "local:USER". Passwords are read from
standard input, one line, never from arguments.

Accounts:
  user list
  user show ID
  user add [-admin] [-name NAME] [-org ORG] ID   create an operator (or administrator)
  user passwd ID                                 set a new password
  user disable ID | user enable ID               disabling ends its sessions at once
  user unlock ID                                 lift a three-tries block
  user relay-port ID PORT|none                   its sessions get TURN URLs on PORT only
Groups:
  group list | group add NAME | group delete NAME
  group join GROUP ID | group leave GROUP ID
IP rules (once an account has any, its own or a group's, it logs in only from them):
  ip list account|group NAME
  ip allow account|group NAME RULE               RULE: 192.0.2.7, 192.0.2.0/24, 2001:db8::/48
  ip remove account|group NAME RULE
Permissions (remote-control observe demonstrate file-transfer chat clipboard):
  perm show account|group NAME
  perm set account|group NAME [FUNCTION ...]     replaces; none removes all
TOTP second factor (operators enroll themselves with POST /v1/totp/enroll):
  totp require|unrequire account|group NAME     login then needs a code
  totp enroll ID                                 prints the otpauth:// URI once
  totp reset ID                                  remove a lost factor
API keys for the JSON API (scopes: admin:read admin:write blocks; key -h lists what each covers):
  key list                                       every key, with owner, scopes and state
  key add -scope SCOPE [-scope ...] [-for 720h] ID NAME
                                                 prints the key once (default life 30 days)
  key revoke KEY-ID
Customer blocks (refuse session joins and relay allocations from an address):
  block list                                     every active block, with addresses
  block add [-for DURATION | -permanent] [-reason TEXT] [-agent ID] [ADDRESS]
                                                 ADDRESS: 198.51.100.7 or 198.51.100.0/24;
                                                 -agent: the computer whose agent identity the
                                                 technician's joined event (and the audit log's
                                                 session.join) shows; without -for or -permanent:
                                                 the default (24h)
  block remove ID
Web chat transcripts (customer data: each show is audited as chat.read):
  chat list [-session ID] [-since DURATION|TIME] [-limit N]
                                                 latest first, no messages; -since 24h or
                                                 2026-11-25 or 2026-11-25T08:00:00Z
  chat show ID [-json]                           the messages, checked against the SHA-256
                                                 in the audit log (exit status 1 if altered)
Audit log:
  audit list [-after N] [-n N]
  audit verify                                   exit status 1 names the first broken entry
  audit prune -older-than DURATION               remove entries older than DURATION (at least 24h,
                                                 and at least the server's -chat-retention, or stored
                                                 transcripts lose their audit entry), oldest first;
                                                 the removal is itself an entry, and the kept chain
                                                 still verifies (the server does it hourly for its
                                                 -audit-retention)

Flags:
`

// Main runs one admin command and returns the exit status: 0 done, 1
// failed, 2 usage.
func (c CLI) Main(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("signaling admin", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dir := fs.String("data", "data", "data `DIR`ectory of the server (its SQLite store)")
	db := fs.String("db", "", "the nodes' PostgreSQL `URL` in place of -data's SQLite store")
	dbPassword := fs.String("db-password-file", "", "`FILE` whose first line is the -db password")
	fs.Usage = func() { fmt.Fprint(c.Stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return 2
	}
	if fs.Arg(0) == "key" && slices.Contains([]string{"-h", "-help", "--help", "help"}, fs.Arg(1)) {
		fmt.Fprint(c.Stdout, keyHelp) // needs no database
		return 0
	}
	where := *db
	if where == "" {
		where = filepath.Join(*dir, "tandem.db")
		if _, err := os.Stat(where); err != nil {
			fmt.Fprintf(c.Stderr, "signaling admin: no database at %s: pass the server's -data directory, or -db with its PostgreSQL URL\n", where)
			return 1
		}
	} else if !store.IsPostgresURL(where) {
		fmt.Fprintf(c.Stderr, "signaling admin: -db %q is not a postgres:// URL (a SQLite store is named by -data)\n", where)
		return 2
	}
	a, closeFn, err := c.open(ctx, where, *dbPassword)
	if err != nil {
		fmt.Fprintf(c.Stderr, "signaling admin: %v\n", err)
		return 1
	}
	defer closeFn()
	ctx = audit.WithActor(ctx, "local:"+localUser(), netip.Addr{})
	err = c.dispatch(ctx, a, fs.Arg(0), fs.Arg(1), fs.Args()[2:])
	var usageErr usageError
	switch {
	case errors.As(err, &usageErr):
		fmt.Fprintf(c.Stderr, "signaling admin: %v (see signaling admin -h)\n", err)
		return 2
	case err != nil:
		fmt.Fprintf(c.Stderr, "signaling admin: %v\n", err)
		return 1
	}
	return 0
}

func (c CLI) open(ctx context.Context, db, passwordFile string) (*Admin, func(), error) {
	st, err := store.Open(ctx, db, passwordFile)
	if err != nil {
		return nil, nil, err
	}
	log := audit.New(st, nil, nil)
	svc, err := auth.New(ctx, st, c.Auth, log.AuthHook())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return New(svc, st, log, nil, nil), func() { st.Close() }, nil
}

type usageError string

func (u usageError) Error() string { return string(u) }

func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// readPassword reads one line from Stdin.
func (c CLI) readPassword(id string) (string, error) {
	fmt.Fprintf(c.Stderr, "password for %s (one line on standard input): ", id)
	line, err := bufio.NewReader(c.Stdin).ReadString('\n')
	fmt.Fprintln(c.Stderr)
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
