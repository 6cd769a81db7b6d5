package admin

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// block runs `block list|add|remove`. The local user acts as an
// administrator: whoever can open the database can do anything anyway.
func (c CLI) block(ctx context.Context, a *Admin, verb string, args []string) error {
	by := Caller{ID: "local:" + localUser(), Kind: store.KindAdministrator}
	switch verb {
	case "list":
		if err := need(args, 0, "block list"); err != nil {
			return err
		}
		bs, err := a.CustomerBlocks(ctx, by)
		for _, b := range bs {
			r := toBlockResponse(b)
			until := "permanent"
			if !r.Permanent {
				until = "until " + r.Expires.Local().Format("2006-01-02 15:04")
			}
			what := r.Address
			if r.AgentID != "" {
				what = strings.TrimPrefix(what+" agent:"+r.AgentID, " ")
			}
			fmt.Fprintf(c.Stdout, "%-5d %-40s %-24s %-22s %s\n", r.ID, what, r.CreatedBy+" ("+r.ByKind+")", until, r.Reason)
		}
		return err
	case "add":
		return c.blockAdd(ctx, a, by, args)
	case "remove":
		if err := need(args, 1, "block remove ID"); err != nil {
			return err
		}
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return usageError("block remove ID: ID is the number block list shows")
		}
		return done(c.Stdout, a.UnblockCustomer(ctx, by, id), "block %d lifted", id)
	}
	return usageError(fmt.Sprintf("unknown block command %q", verb))
}

func (c CLI) blockAdd(ctx context.Context, a *Admin, by Caller, args []string) error {
	fs := flag.NewFlagSet("block add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dur := fs.Duration("for", 0, "")
	permanent := fs.Bool("permanent", false, "")
	reason := fs.String("reason", "", "")
	agent := fs.String("agent", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 || (fs.NArg() == 0 && *agent == "") {
		return usageError("want block add [-for DURATION | -permanent] [-reason TEXT] [-agent ID] [ADDRESS]")
	}
	b, err := a.BlockCustomer(ctx, by, BlockRequest{Address: fs.Arg(0), AgentID: *agent, For: *dur, Permanent: *permanent, Reason: *reason})
	if err != nil {
		return err
	}
	until := "permanently"
	if !b.Expires.IsZero() {
		until = "until " + b.Expires.Local().Format(time.DateTime)
	}
	fmt.Fprintf(c.Stdout, "block %d: %s refused %s\n", b.ID, blockTarget(b), until)
	return nil
}

// blockTarget names what a block refuses: an address range, an agent's
// computer, or both.
func blockTarget(b store.CustomerBlock) string {
	var parts []string
	if b.Prefix.IsValid() {
		parts = append(parts, b.Prefix.String())
	}
	if b.AgentID != "" {
		parts = append(parts, "the computer of agent "+b.AgentID)
	}
	return strings.Join(parts, " and ")
}
