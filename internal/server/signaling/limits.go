package signaling

import (
	"fmt"
)

// DefaultMaxConns is the default bound on concurrent WebSocket
// connections: 10 000 live sessions.
const DefaultMaxConns = 20000

// fdHeadroom is what the process needs open besides its WebSockets:
// listeners, the database and its journal, the embedded relay's sockets.
const fdHeadroom = 256

// maxConnsFor returns the connection bound to use for asked (0: the
// default) and what to tell the operator about it (""). The default
// shrinks to what the open-files limit holds, and says so; an explicit
// bound beyond it is kept, with a warning. Go raises the soft limit to
// the hard one at start, so the hard limit is what counts.
func maxConnsFor(asked int) (int, string) {
	limit, ok := openFilesLimit()
	want := asked
	if want == 0 {
		want = DefaultMaxConns
	}
	if !ok || limit >= uint64(want+fdHeadroom) {
		return want, ""
	}
	fits := int(max(limit, fdHeadroom+2)) - fdHeadroom
	if asked == 0 {
		return fits, fmt.Sprintf("Connections: at most %d (%d live sessions), as this process may open %d files; "+
			"raise the limit (systemd: LimitNOFILE=%d; a shell: ulimit -n) for the default %d", fits, fits/2, limit, DefaultMaxConns+fdHeadroom, DefaultMaxConns)
	}
	return asked, fmt.Sprintf("WARNING: this process may open %d files, fewer than -max-conns %d connections need (%d): "+
		"raise the limit (systemd: LimitNOFILE=%d; a shell: ulimit -n) or lower -max-conns", limit, asked, asked+fdHeadroom, asked+fdHeadroom)
}
