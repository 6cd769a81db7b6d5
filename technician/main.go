// Command technician is the technician's side of a Tandem support session.
// For now it is headless: it opens a session on the signaling server,
// prints the code to give the customer, waits for the customer's agent,
// brings up the end-to-end encrypted peer link and reports how it
// connected. The technician logs in as an operator first (SCRAM: the
// password never leaves this machine); an administrator creates the
// account and grants its functions.
//
//	technician -server https://support.example.com -user alice
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techdesk"
	"github.com/tandem-remote/tandem/internal/technician/techlogin"
	"github.com/tandem-remote/tandem/internal/technician/techscript"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/technician/techui"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("technician", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common session.Flags
	common.Register(fs)
	user := fs.String("user", "", "log in as operator `ID` (SCRAM: the password never leaves this machine); the\npassword comes from $TANDEM_PASSWORD, -password-file or the terminal")
	passwordFile := fs.String("password-file", "", "read the operator's password from `FILE` (with -user)")
	totp := fs.Bool("totp", false, "the account has a second factor: ask for the authenticator code (or take $TANDEM_TOTP)")
	endAfter := fs.Duration("end-after", 0, "end the session this long after it connects (e.g. 30s); 0 waits for the customer or Ctrl-C")
	var tcfg techsession.TechnicianConfig // the session's settings
	var script techscript.Script          // what it does on its own
	fs.StringVar(&script.FramesDir, "frames", "", "save the remote screen as PNG files in `DIR` (a few per second, and last.png at the end)")
	fs.StringVar(&script.Type, "type", "", "type `TEXT` on the remote machine once its screen arrives")
	fs.Func("move", "move the remote pointer to `MON:X,Y` (monitor MON's pixels; 0 = whole screen) before typing; repeatable", func(s string) error {
		ev, err := parseMove(s)
		script.Moves = append(script.Moves, ev)
		return err
	})
	fs.Func("click", "move the remote pointer to `MON:X,Y` and click the left button there (before typing,\nin order with -move); repeatable", func(s string) error {
		ev, err := parseMove(s)
		script.Moves = append(script.Moves, ev,
			input.Event{Type: input.ButtonDown, Button: input.ButtonLeft}, input.Event{Type: input.ButtonUp, Button: input.ButtonLeft})
		return err
	})
	fs.Func("chord", "press the keys `K1+K2+...` together and release them (KeyboardEvent.code names, e.g.\nControlLeft+AltLeft+Delete), in order with -move and -click; repeatable", func(s string) error {
		evs, err := input.Chord(strings.Split(s, "+")...)
		script.Moves = append(script.Moves, evs...)
		return err
	})
	fs.IntVar(&tcfg.Monitor, "monitor", -1, "ask for monitor `N` (0 = all monitors; default: the agent's primary)")
	fs.StringVar(&script.SetClipboard, "clipboard", "", "put `TEXT` on the remote clipboard once its screen arrives (the remote clipboard\ncomes back as {\"event\":\"clipboard\"} whenever it changes)")
	fs.Func("mode", "ask the customer for `MODE` first: view, control (default) or demonstrate\n(show this machine's screen to the customer)", func(v string) error {
		m, err := proto.ParseMode(v)
		tcfg.Mode = m
		return err
	})
	fs.Func("then-mode", "once the remote screen arrives, ask to switch to `MODE` (view, control or demonstrate)", func(v string) error {
		m, err := proto.ParseMode(v)
		script.ThenMode = m
		return err
	})
	fs.StringVar(&tcfg.DemoDisplay, "demo-display", "", "X `DISPLAY` shown to the customer in demonstration mode (default $DISPLAY)")
	fs.Func("say", "send `TEXT` in the session chat once connected; repeatable (the chat comes back as\n{\"event\":\"chat\"} lines)", func(v string) error {
		script.Say = append(script.Say, v)
		return nil
	})
	fs.Func("send", "offer `FILE` to the customer once they allow the session (they accept or refuse it;\n{\"event\":\"transfer\"} lines show progress, \"transfer-done\" the SHA-256); repeatable", func(v string) error {
		script.Send = append(script.Send, v)
		return nil
	})
	fs.Func("fetch", "ask the customer for the file at `PATH` on their machine (they accept or refuse);\nrepeatable; it lands in -download-dir", func(v string) error {
		script.Fetch = append(script.Fetch, v)
		return nil
	})
	fs.StringVar(&tcfg.Files.Dir, "download-dir", "", "where fetched files land (default: your Downloads folder)")
	fs.BoolVar(&script.AcceptFiles, "accept-files", false, "accept every file the customer sends on their own into -download-dir (default: decline\nthem at once; the viewer window asks instead); {\"event\":\"file-offer\"} and \"file-offer-end\"\nlines say what came and how it was answered")
	fs.StringVar(&script.KeyDelay, "key-delay", "", "once the remote screen arrives, press X on the remote keyboard again and again\n(each once the screen is still) and write each press's key-to-screen delay to `FILE`,\none JSON line a press: from sending the key to the first picture that changed. Give\nit a still screen with a terminal or text field in focus: the delay is then the\nwhole loop (input, injection, capture, encoding, video)")
	fs.StringVar(&script.ChatLog, "chat-log", "", "save the chat transcript to `FILE` when the session ends (JSON for a .json name,\nelse text)")
	var desk techdesk.Flags
	desk.Register(fs)
	headless := fs.Bool("headless", false, "no viewer window: for scripts and tests (also the default when $DISPLAY is unset)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: technician -server URL -user ID [flags]

Logs in as operator ID, opens a support session, prints the code to give the
customer, and connects to the customer's agent over an end-to-end encrypted
peer link (direct when possible, through the TURN relay otherwise). The
customer's screen arrives as video; with -frames it is saved as PNG files,
with -type and -move this headless technician drives the remote keyboard and
pointer, and -json adds {"event":"stats",...} lines every second (fps,
kbit/s, round trip, frames decoded, capture-to-decode latency percentiles),
plus "cursor" events for the remote pointer. With a display and without
-headless, the remote screen opens in a viewer window (scale to fit or 1:1,
monitor choice, view-only, special keys, chat, files, disconnect). Ctrl-C ends
the session.
With -desk it opens the operator's desk instead: the queue of customers who
came to the help page's web chat. With a display it is a window: click a
customer to chat, Invite opens a session and sends its code to them, Start a
session gives a code to read out. Headless, -pick takes one, -desk-say
answers, and -invite opens a session and sends its code to that customer.
Nothing is shared until the customer allows it in the agent's window; -mode
says what is asked first, and every later change is asked again. Mode
changes come back as {"event":"mode",...} lines.
Exit status: 0 when the session ended normally, 1 on error, 2 on bad usage,
3 when the customer refused (or did not answer) the first request.

An administrator creates the operator account and grants what it may do,
e.g. on the server:
  signaling admin user add -name "Alice Martin" alice    (password on stdin)
  signaling admin perm set account alice remote-control observe clipboard

Flags:
`)
		fs.PrintDefaults()
	}
	if removed := removedFlag(fs, args); removed != "" {
		fmt.Fprintln(stderr, "technician: "+removed)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if common.Server == "" || *user == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "technician: -server and -user are required (see -h)")
		return 2
	}
	if err := desk.Check(); err != nil {
		fmt.Fprintf(stderr, "technician: %v (see -h)\n", err)
		return 2
	}
	out := techdesk.NewLineWriter(stdout) // the session's reports and the desk's, one line at a time
	cfg, err := common.Common(out)
	if err != nil {
		fmt.Fprintf(stderr, "technician: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	token, err := techlogin.LogIn(ctx, common.Server, cfg.RootCAs, *user, *passwordFile, *totp, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "technician: %v\n", err)
		return 1
	}
	tcfg.Common, tcfg.Token, tcfg.EndAfter = cfg, token, *endAfter
	runSession := func(ctx context.Context) error {
		if *headless || os.Getenv("DISPLAY") == "" {
			return techscript.Run(ctx, tcfg, script)
		}
		return techui.Run(ctx, tcfg, script)
	}
	dcfg := techdesk.Config{Server: common.Server, RootCAs: cfg.RootCAs, Token: token, Out: out, JSON: common.JSON, Session: runSession}
	switch {
	case desk.On && desk.Pick == "" && !*headless && os.Getenv("DISPLAY") != "":
		err = techdesk.RunWindow(ctx, dcfg)
	case desk.On:
		err = techdesk.Run(ctx, desk, dcfg)
	default:
		err = runSession(ctx)
	}
	return exitStatus(stderr, "technician", err)
}

// parseMove reads MON:X,Y.
func parseMove(s string) (input.Event, error) {
	var mon, x, y int
	if n, err := fmt.Sscanf(s, "%d:%d,%d", &mon, &x, &y); n != 3 || err != nil || mon < 0 || mon > 255 || x < 0 || y < 0 || x > 65535 || y > 65535 {
		return input.Event{}, fmt.Errorf("%q: want MON:X,Y, e.g. 2:100,50", s)
	}
	return input.Event{Type: input.PointerMove, Monitor: uint8(mon), X: uint16(x), Y: uint16(y)}, nil
}

func exitStatus(stderr io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, session.ErrRefused) {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 3
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out: %w", err)
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

// removedFlags are flags earlier versions took, with what to do instead.
var removedFlags = map[string]string{
	"token-file": "-token-file was removed: log in with -user ID (see -h)",
}

// removedFlag returns the message for the first removed flag among args,
// or "". It walks args as fs.Parse will, so that a flag's value (-type
// -token-file) is not mistaken for a flag.
func removedFlag(fs *flag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return ""
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if msg, ok := removedFlags[name]; ok {
			return msg
		}
		f := fs.Lookup(name)
		if f == nil || hasValue {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			i++ // the next argument is this flag's value
		}
	}
	return ""
}
