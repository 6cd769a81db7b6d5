// Command agent is the customer's side of a Tandem support session: run
// once with the code the technician gave, it joins the session through the
// signaling server and brings up an end-to-end encrypted peer link to the
// technician. Screen sharing, consent and self-removal arrive in later
// milestones; these flags and the -json events stay.
//
//	agent -server https://support.example.com -code 123456789
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tandem-remote/tandem/internal/session"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common session.Flags
	common.Register(fs)
	code := fs.String("code", "", "the session `CODE` the technician gave (digits; spaces allowed)")
	var scr session.ScreenConfig
	fs.StringVar(&scr.Display, "display", "", "X `DISPLAY` to share (default $DISPLAY; without one, nothing is shared)")
	fs.BoolVar(&scr.ViewOnly, "view-only", false, "let the technician see the screen but never control it")
	fs.IntVar(&scr.MaxFPS, "max-fps", 30, "send at most `N` frames per second (nothing at all while the screen is still)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: agent -server URL -code CODE [flags]

Joins the support session the code names and connects to the technician
over an end-to-end encrypted peer link. Ctrl-C ends the session.
Exit status: 0 when the session ended normally, 1 on error, 2 on bad usage.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if common.Server == "" || *code == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "agent: -server and -code are required (see -h)")
		return 2
	}
	cfg, err := common.Common(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := session.RunAgent(ctx, session.AgentConfig{Common: cfg, Code: *code, Screen: scr}); err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	return 0
}
