package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tandem-remote/tandem/internal/session"
	"github.com/tandem-remote/tandem/internal/stamp"
)

// executable and now are where the agent reads its stamp from and the
// clock it checks the stamp's expiry against; tests replace them.
var (
	executable = os.Executable
	now        = time.Now
)

// fromStamp fills the session's settings from the stamp on the agent's own
// file: a download from the help page, run with no -server and no -code.
// A plain agent (no stamp) is told which flags it needs; a damaged or
// expired stamp is refused before anything connects.
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
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1, false
	}
	common.Server, common.CAFile = p.Server, ""
	o.ticket, o.pin, o.grantKey = p.Ticket, p.Pin, p.Key
	return 0, true
}
