package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// executable is where the agent reads its stamp from, now the clock it
// checks the stamp's expiry against, and serverTime how it asks the
// server's clock when its own says the stamp expired; tests replace them.
var (
	executable = os.Executable
	now        = time.Now
	serverTime = sigclient.ServerTime
)

// serverTimeWait bounds asking the server's clock.
var serverTimeWait = 10 * time.Second

// fromStamp fills the session's settings from the stamp on the agent's own
// file: a download from the help page, run with no -server and no -code.
// A plain agent (no stamp) is told which flags it needs; a damaged or
// expired stamp is refused before the session is joined.
func fromStamp(stderr io.Writer, common *session.Flags, o *options) (status int, ok bool) {
	exe, err := executable()
	if err != nil {
		fmt.Fprintf(stderr, "agent: find this program's own file: %v\n", err)
		return 1, false
	}
	p, err := stamp.Read(exe)
	switch {
	case errors.Is(err, stamp.ErrNoStamp):
		fmt.Fprintln(stderr, "agent: -server and -code are required (see -h)")
		return 2, false
	case err != nil:
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1, false
	}
	if err := p.Check(now()); err != nil {
		if err = recheckExpiry(stderr, p, err); err != nil {
			fmt.Fprintf(stderr, "agent: %v\n", err)
			return 1, false
		}
	}
	common.Server, common.CAFile = p.Server, ""
	o.stamp = &p
	return 0, true
}

// recheckExpiry: this computer's clock says the download has expired, but
// a clock that is off says so too, and customers' clocks often are. The
// server's clock decides when it can be asked (nothing of the session is
// sent: only the time is asked); otherwise localErr stands.
func recheckExpiry(stderr io.Writer, p stamp.Payload, localErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), serverTimeWait)
	defer cancel()
	st, err := serverTime(ctx, p.Server, p.Pin)
	if err != nil {
		return localErr
	}
	if err := p.CheckServer(st); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "agent: this computer's clock is %v ahead of the server's; the download is still valid by the server's\n",
		now().Sub(st).Round(time.Second))
	return nil
}
