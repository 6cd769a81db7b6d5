package admin

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

func need(args []string, n int, what string) error {
	if len(args) != n {
		return usageError("want " + what)
	}
	return nil
}

func (c CLI) dispatch(ctx context.Context, a *Admin, noun, verb string, args []string) error {
	switch noun {
	case "user":
		return c.user(ctx, a, verb, args)
	case "group":
		return c.group(ctx, a, verb, args)
	case "ip", "perm":
		return c.subjectCmd(ctx, a, noun, verb, args)
	case "audit":
		return c.audit(ctx, a, verb, args)
	case "block":
		return c.block(ctx, a, verb, args)
	case "totp":
		return c.totp(ctx, a, verb, args)
	case "key":
		return c.key(ctx, a, verb, args)
	case "chat":
		return c.chat(ctx, a, verb, args)
	}
	return usageError(fmt.Sprintf("unknown command %q", noun))
}

func (c CLI) user(ctx context.Context, a *Admin, verb string, args []string) error {
	out := c.Stdout
	switch verb {
	case "list":
		accts, err := a.Accounts(ctx)
		for _, acct := range accts {
			fmt.Fprintf(out, "%-24s %-13s %-8s %s\n", acct.ID, acct.Kind, state(acct.Disabled), acct.DisplayName)
		}
		return err
	case "show":
		if err := need(args, 1, "user show ID"); err != nil {
			return err
		}
		info, err := a.Account(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "id: %s\nkind: %s\nname: %s\norganisation: %s\nstate: %s\ngroups: %s\npermissions: %s\nfailed logins: %d\n",
			info.ID, info.Kind, info.DisplayName, info.Organisation, state(info.Disabled), strings.Join(info.Groups, " "),
			strings.Join(info.Permissions, " "), info.Lockout.Failures)
		if info.RelayPort != 0 {
			fmt.Fprintf(out, "relay port: %d\n", info.RelayPort)
		}
		if !info.Lockout.BlockedUntil.IsZero() {
			fmt.Fprintf(out, "blocked until: %s\n", info.Lockout.BlockedUntil.Local().Format("2006-01-02 15:04:05"))
		}
		return nil
	case "add":
		return c.userAdd(ctx, a, args)
	case "relay-port":
		if err := need(args, 2, "user relay-port ID PORT|none"); err != nil {
			return err
		}
		port, err := ParseRelayPort(args[1])
		if err != nil {
			return err
		}
		return done(out, a.SetRelayPort(ctx, args[0], port), "relay port of %s: %s", args[0], args[1])
	case "passwd":
		if err := need(args, 1, "user passwd ID"); err != nil {
			return err
		}
		pw, err := c.readPassword(args[0])
		if err != nil {
			return err
		}
		return done(out, a.SetPassword(ctx, args[0], pw), "password of %s set; its sessions were ended", args[0])
	case "disable", "enable", "unlock":
		if err := need(args, 1, "user "+verb+" ID"); err != nil {
			return err
		}
		f := map[string]func(context.Context, string) error{"disable": a.Disable, "enable": a.Enable, "unlock": a.Unlock}[verb]
		return done(out, f(ctx, args[0]), "%s: %sd", args[0], verb)
	}
	return usageError(fmt.Sprintf("unknown user command %q", verb))
}

func (c CLI) userAdd(ctx context.Context, a *Admin, args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	isAdmin := fs.Bool("admin", false, "")
	name := fs.String("name", "", "")
	org := fs.String("org", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return usageError("want user add [-admin] [-name NAME] [-org ORG] ID")
	}
	acct := store.Account{ID: fs.Arg(0), Kind: store.KindOperator, DisplayName: *name, Organisation: *org}
	if *isAdmin {
		acct.Kind = store.KindAdministrator
	}
	pw, err := c.readPassword(acct.ID)
	if err != nil {
		return err
	}
	return done(c.Stdout, a.CreateAccount(ctx, acct, pw), "created %s %s", acct.Kind, acct.ID)
}

func (c CLI) group(ctx context.Context, a *Admin, verb string, args []string) error {
	switch verb {
	case "list":
		gs, err := a.Groups(ctx)
		for _, g := range gs {
			fmt.Fprintln(c.Stdout, g)
		}
		return err
	case "add":
		if err := need(args, 1, "group add NAME"); err != nil {
			return err
		}
		return done(c.Stdout, a.CreateGroup(ctx, args[0]), "created group %s", args[0])
	case "delete":
		if err := need(args, 1, "group delete NAME"); err != nil {
			return err
		}
		return done(c.Stdout, a.DeleteGroup(ctx, args[0]), "deleted group %s", args[0])
	case "join":
		if err := need(args, 2, "group join GROUP ID"); err != nil {
			return err
		}
		return done(c.Stdout, a.AddMember(ctx, args[0], args[1]), "%s joined %s", args[1], args[0])
	case "leave":
		if err := need(args, 2, "group leave GROUP ID"); err != nil {
			return err
		}
		return done(c.Stdout, a.RemoveMember(ctx, args[0], args[1]), "%s left %s", args[1], args[0])
	}
	return usageError(fmt.Sprintf("unknown group command %q", verb))
}

// subjectCmd runs the ip and perm commands, which name an account or group.
func (c CLI) subjectCmd(ctx context.Context, a *Admin, noun, verb string, args []string) error {
	if len(args) < 2 {
		return usageError(fmt.Sprintf("want %s %s account|group NAME ...", noun, verb))
	}
	sub, err := ParseSubject(args[0], args[1])
	if err != nil {
		return err
	}
	rest, what := args[2:], args[0]+" "+args[1]
	switch noun + " " + verb {
	case "ip list", "perm show":
		list := a.IPRules
		if noun == "perm" {
			list = a.Permissions
		}
		vs, err := list(ctx, sub)
		for _, v := range vs {
			fmt.Fprintln(c.Stdout, v)
		}
		return err
	case "ip allow", "ip remove":
		if err := need(rest, 1, "ip "+verb+" account|group NAME RULE"); err != nil {
			return err
		}
		if verb == "allow" {
			return done(c.Stdout, a.AllowIP(ctx, sub, rest[0]), "%s may log in from %s", what, rest[0])
		}
		return done(c.Stdout, a.DisallowIP(ctx, sub, rest[0]), "removed rule %s from %s", rest[0], what)
	case "perm set":
		return done(c.Stdout, a.SetPermissions(ctx, sub, rest), "%s may use: %s", what, strings.Join(rest, " "))
	}
	return usageError(fmt.Sprintf("unknown %s command %q", noun, verb))
}

func (c CLI) audit(ctx context.Context, a *Admin, verb string, args []string) error {
	switch verb {
	case "list":
		fs := flag.NewFlagSet("audit list", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		after := fs.Int64("after", 0, "")
		n := fs.Int("n", 100, "")
		if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *n < 1 {
			return usageError("want audit list [-after N] [-n N]")
		}
		es, err := a.log.List(ctx, *after, *n)
		for _, e := range es {
			fmt.Fprintf(c.Stdout, "%d %s %s actor=%q subject=%q source=%q %v\n", e.Seq, e.Time.Format("2006-01-02T15:04:05.000Z07:00"),
				e.Kind, e.Actor, e.Subject, e.Source, e.Detail)
		}
		return err
	case "verify":
		res, err := a.log.Verify(ctx)
		if err != nil {
			return err
		}
		if res.Broken != nil {
			fmt.Fprintf(c.Stdout, "BROKEN: %d entries verify; entry %d: %s\n", res.Entries, res.Broken.Seq, res.Broken.Reason)
			return res.Broken
		}
		fmt.Fprintf(c.Stdout, "ok: %d entries, chain intact; head %s (note it down: it lets you detect a rewrite later)\n", res.Entries, res.Head)
		if res.Pruned > 0 {
			fmt.Fprintf(c.Stdout, "entries 1 to %d (until %s) were removed by retention; the chain is checked from there\n",
				res.Pruned, res.PrunedTime.Format(time.RFC3339))
		}
		return nil
	case "prune":
		return c.auditPrune(ctx, a, args)
	}
	return usageError(fmt.Sprintf("unknown audit command %q", verb))
}

// auditPrune removes the entries older than -older-than.
func (c CLI) auditPrune(ctx context.Context, a *Admin, args []string) error {
	fs := flag.NewFlagSet("audit prune", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	older := fs.Duration("older-than", 0, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *older == 0 {
		return usageError("want audit prune -older-than DURATION (e.g. 8760h)")
	}
	if *older < audit.MinRetention {
		return usageError(fmt.Sprintf("-older-than %v is under the minimum of %v", *older, audit.MinRetention))
	}
	before := time.Now().Add(-*older)
	n, err := a.log.Prune(ctx, before)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(c.Stdout, "nothing to remove: no entry is older than %s\n", before.UTC().Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(c.Stdout, "removed %d entries older than %s (the removal is recorded as %s)\n", n, before.UTC().Format(time.RFC3339), audit.KindPruned)
	return nil
}

func state(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "active"
}

// done prints the success line, or returns err.
func done(out io.Writer, err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	fmt.Fprintf(out, format+"\n", args...)
	return nil
}
