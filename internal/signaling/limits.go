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

// openFilesWarning says what to change when the process may open fewer
// files than maxConns connections need ("" when it may, or when the limit
// cannot be read). Go raises the soft limit to the hard one at start, so
// the hard limit is what counts.
func openFilesWarning(maxConns int) string {
	limit, ok := openFilesLimit()
	if !ok || limit >= uint64(maxConns+fdHeadroom) {
		return ""
	}
	return fmt.Sprintf("WARNING: this process may open %d files, fewer than -max-conns %d connections need (%d): "+
		"raise the limit (systemd: LimitNOFILE=%d; a shell: ulimit -n) or lower -max-conns", limit, maxConns, maxConns+fdHeadroom, maxConns+fdHeadroom)
}
