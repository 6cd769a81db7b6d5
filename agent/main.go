// Command agent is the customer's side of a Tandem support session: run
// once with the code the technician gave, it joins the session through the
// signaling server, brings up an end-to-end encrypted peer link to the
// technician, and shares nothing until the customer allows it in the
// agent's window. When the session ends, however it ends, the agent
// deletes itself and everything it wrote except the files the customer
// accepted.
//
//	agent -server https://support.example.com -code 123456789
//
// A download from the help page carries a stamp (package stamp) naming
// its server, that server's certificate key and a one-time ticket for the
// customer's session: run with no arguments, it joins that session.
//
//	./tandem-agent
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
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentsession"
	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/agent/selfremove"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/agentid"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// selfRemoval is whether a run that got past its flags deletes the
// binary; the package's tests run main's logic inside the test binary and
// turn it off.
var selfRemoval = true

func main() {
	// A copy of the agent started as its self-removal guardian does only
	// that (see selfremove.Options.Guardian), and undoes what the agent
	// changed outside the file system (remapped keys) if it was killed.
	platform.Guardian()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the agent's settings beyond the session's shared flags.
type options struct {
	code           string
	display        string
	screen         agentsession.ScreenConfig
	consentTimeout time.Duration
	files          session.FilesConfig
	keep           bool
	// stamp is a help-page download's (stamped.go); nil for a plain agent.
	stamp *stamp.Payload
}

func run(args []string, stdout, stderr io.Writer) int {
	var common session.Flags
	var o options
	if status, ok := parseFlags(args, stderr, &common, &o); !ok {
		return status
	}
	cfg, err := common.Common(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	// Removal is set up before anything is written; the session runs it
	// (platform.Remove) after everything it opened has stopped.
	rm, err := selfremove.New(selfremove.Options{Developer: o.keep || !selfRemoval, Guardian: true, Logger: cfg.Logger})
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	// A download cut short leaves a partial file in the customer's folder
	// for a resume; the session removes it when it ends, and so does the
	// guardian if the agent is killed first.
	if dir := o.files.Dir; dir != "" {
		rm.TrackPattern(dir, filexfer.PartialPattern)
	} else if dir, err := filexfer.DefaultDir(); err == nil {
		rm.TrackPattern(dir, filexfer.PartialPattern)
	}
	// SIGHUP: the terminal the customer started the agent from was closed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The agent's window opens on the display that is shared; without a
	// display nothing can be shared. Keys remapped to type what the
	// customer's keyboard lacks are put back by the agent, or by its
	// guardian if the agent is killed (the platform hands them to rm).
	p := platform.Native(platform.Config{Display: o.display, Window: true, Remover: rm, Logger: cfg.Logger})
	o.screen.Demonstrations = true // in a window on the customer's display, asked each time
	acfg := agentsession.AgentConfig{Common: cfg, Code: o.code, Screen: o.screen, ConsentTimeout: o.consentTimeout, Files: o.files,
		Stamp: o.stamp, Identity: agentid.For(cfg.Server), Platform: p}
	if err := agentsession.RunAgent(ctx, acfg); err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer, common *session.Flags, o *options) (status int, ok bool) {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	common.Register(fs)
	fs.StringVar(&o.code, "code", "", "the session `CODE` the technician gave (digits; spaces allowed)")
	fs.StringVar(&o.display, "display", "", "X `DISPLAY` to share (default $DISPLAY; without one, nothing is shared)")
	fs.BoolVar(&o.screen.ViewOnly, "view-only", false, "let the technician see the screen but never control it")
	fs.IntVar(&o.screen.MaxFPS, "max-fps", 30, "send at most `N` frames per second (nothing at all while the screen is still)")
	fs.DurationVar(&o.consentTimeout, "consent-timeout", agentui.DefaultTimeout, "how long each question in the agent's window waits for an answer;\nno answer is a refusal")
	fs.StringVar(&o.files.Dir, "download-dir", "", "where files you accept from the technician land (default: your Downloads folder)")
	fs.BoolVar(&o.keep, "keep", false, "developer mode: leave this program's file in place when the session ends\n(its temporary files are still removed)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: agent -server URL -code CODE [flags]
       tandem-agent [flags]

Joins the support session the code names and connects to the technician
over an end-to-end encrypted peer link. Nothing is shared until you allow
it in the agent's window, which also lets you pause, take back control,
chat and stop at any time. Ctrl-C ends the session. When the session ends
the agent deletes itself and its temporary files (files you accepted stay).
Exit status: 0 when the session ended normally, 1 on error, 2 on bad usage.

The agent downloaded from the help page needs no -server and no -code: it
carries them for one session (the server, its certificate's key and a
one-time ticket), so run it with no arguments. It works once and until
the session code expires; a damaged or altered download is refused.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 || (common.Server == "") != (o.code == "") {
		fmt.Fprintln(stderr, "agent: -server and -code are required (see -h)")
		return 2, false
	}
	if o.files.Dir != "" {
		// Checked now, not when the first file arrives: a bad folder
		// would otherwise leave the technician's offers unanswered.
		if fi, err := os.Lstat(o.files.Dir); err != nil || !fi.IsDir() {
			fmt.Fprintf(stderr, "agent: -download-dir %s is not a folder (a link to one is refused too): create it or leave the flag out\n", o.files.Dir)
			return 2, false
		}
	}
	if common.Server == "" {
		return fromStamp(stderr, common, o)
	}
	return 0, true
}
