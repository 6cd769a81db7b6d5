package admin

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// key runs `key list|add|revoke`, acting for the named account (add) or
// as an administrator (list, revoke).
func (c CLI) key(ctx context.Context, a *Admin, verb string, args []string) error {
	local := Caller{ID: "local:" + localUser(), Kind: store.KindAdministrator}
	switch verb {
	case "list":
		if err := need(args, 0, "key list"); err != nil {
			return err
		}
		ks, err := a.APIKeys(ctx, local, true)
		for _, k := range ks {
			state := "until " + k.Expires.Local().Format("2006-01-02 15:04")
			if !k.Revoked.IsZero() {
				state = "revoked"
			}
			fmt.Fprintf(c.Stdout, "%-16s %-20s %-28s %-22s %s\n", k.ID, k.AccountID, strings.Join(k.Scopes, ","), state, k.Name)
		}
		return err
	case "add":
		return c.keyAdd(ctx, a, args)
	case "revoke":
		if err := need(args, 1, "key revoke KEY-ID"); err != nil {
			return err
		}
		return done(c.Stdout, a.RevokeAPIKey(ctx, local, args[0]), "key %s revoked", args[0])
	}
	return usageError(fmt.Sprintf("unknown key command %q", verb))
}

var keyHelp = `Usage: signaling admin key list | add -scope SCOPE [-scope ...] [-for 720h] ID NAME | revoke KEY-ID

An API key lets a script call the JSON API as its owner ("Authorization:
Bearer tdmk_..."), within its scopes and the owner's rights and IP rules,
until it expires (default 30 days, at most a year) or is revoked. Keys
never mint or change a login: the routes marked "login only" need the
token of a password login (with TOTP where required), whatever a key's
scopes. Only administrators' keys may have admin:read or admin:write.
Who: "admins" routes serve administrators only, "all" routes any account
(each for itself). This command works on the database directly and is
not limited by this table.

  Scope        Who     Route                                         What it does
` + scopesText()

func (c CLI) keyAdd(ctx context.Context, a *Admin, args []string) error {
	fs := flag.NewFlagSet("key add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var scopes []string
	fs.Func("scope", "", func(s string) error { scopes = append(scopes, s); return nil })
	ttl := fs.Duration("for", 0, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		return usageError("want key add -scope SCOPE [-scope SCOPE ...] [-for DURATION] ID NAME")
	}
	acct, err := a.st.Account(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	secret, k, err := a.CreateAPIKey(ctx, Caller{ID: acct.ID, Kind: acct.Kind}, fs.Arg(1), scopes, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stderr, "key %s for %s until %s; the secret is shown only now:\n", k.ID, k.AccountID, k.Expires.Local().Format("2006-01-02 15:04"))
	fmt.Fprintln(c.Stdout, secret)
	return nil
}
