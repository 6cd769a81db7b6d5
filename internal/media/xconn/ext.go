package xconn

import (
	"fmt"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// tables records, per extension, that xgb's package-wide event and error
// tables were filled.
var (
	tablesMu sync.Mutex
	tables   = map[string]*sync.Once{}
)

// Ext readies c for the X extension called name ("RANDR", "DAMAGE", ...)
// whose xgb package's Init is init.
//
// An xgb Init writes package-wide tables (event and error decoders) on
// every call, while the reader goroutine of every open connection reads
// them: with several connections in one process (the agent opens half a
// dozen) that is a data race, and a Go map written while read can crash
// the process. The tables hold the same for every connection to a
// server, so init runs once per extension and process; later connections
// only look up the extension and record its opcode, which is theirs.
func Ext(c *xgb.Conn, name string, init func(*xgb.Conn) error) error {
	tablesMu.Lock()
	once, ok := tables[name]
	if !ok {
		once = new(sync.Once)
		tables[name] = once
	}
	tablesMu.Unlock()
	var err error
	first := false
	once.Do(func() { first, err = true, init(c) })
	if first {
		if err != nil { // let a later connection (another server) try again
			tablesMu.Lock()
			delete(tables, name)
			tablesMu.Unlock()
		}
		return err
	}
	r, err := xproto.QueryExtension(c, uint16(len(name)), name).Reply()
	if err != nil {
		return err
	}
	if !r.Present {
		return fmt.Errorf("the X server has no %s extension", name)
	}
	c.ExtLock.Lock()
	c.Extensions[name] = r.MajorOpcode
	c.ExtLock.Unlock()
	return nil
}
