// Command wineagent runs the agent's session (package agentsession) on
// this system's platform with a scripted customer who allows every
// request, and no window. TestWindowsAgentUnderWine cross-builds it for
// Windows and runs it under Wine, where Gio opens no window (Wine 8 lacks
// RegisterTouchWindow and EnableMouseInPointer), so that the Windows
// platform (GDI capture, SendInput, the clipboard) and self-removal are
// driven by the real session against the Linux technician. With -share
// TITLE the customer is a scripted window instead (sharewindow.go) that
// shares only the application window of that title; with -download-dir
// DIR it is a scripted window that allows everything (allowwindow.go),
// files included, which land in DIR. It is never shipped:
// the agent itself always asks the customer in its window.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/tandem-remote/tandem/internal/agent/agentsession"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/agent/selfremove"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/agentid"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func main() {
	platform.Guardian() // as the agent's main: a copy started as its guardian does only that
	var common session.Flags
	fs := flag.NewFlagSet("wineagent", flag.ExitOnError)
	common.Register(fs)
	code := fs.String("code", "", "the session code")
	share := fs.String("share", "", "share only the application window titled `TITLE`")
	downloads := fs.String("download-dir", "", "accept every file the technician sends into `DIR` (a scripted window allows them)")
	fs.Parse(os.Args[1:])
	cfg, err := common.Common(os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wineagent: %v\n", err)
		os.Exit(1)
	}
	// Self-removal as the agent sets it up: the binary, its temporary
	// directory, and a guardian that removes them if it is killed.
	rm, err := selfremove.New(selfremove.Options{Guardian: true, Logger: cfg.Logger})
	if err != nil {
		fmt.Fprintf(os.Stderr, "wineagent: %v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ac := agentsession.AgentConfig{
		Common: cfg, Code: *code, Identity: agentid.For(cfg.Server),
		Platform: platform.Native(platform.Config{Remover: rm, Logger: cfg.Logger}),
		Customer: allowAll{make(chan agentsession.CustomerAction)},
		Files:    session.FilesConfig{Dir: *downloads},
	}
	switch {
	case *share != "":
		ac.Platform, ac.Customer = sharing{ac.Platform, *share}, nil
	case *downloads != "":
		ac.Platform, ac.Customer = windowed{ac.Platform}, nil
	}
	err = agentsession.RunAgent(ctx, ac)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wineagent: %v\n", err)
		os.Exit(1)
	}
}

// allowAll answers every question Allow and never acts in a window.
type allowAll struct {
	actions chan agentsession.CustomerAction
}

func (allowAll) Ask(context.Context, session.Question) string { return proto.AnswerAllowed }

func (allowAll) Show(string, proto.ModeState) {}

func (a allowAll) Actions() <-chan agentsession.CustomerAction { return a.actions }
