package filexfer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Cancel stops the transfer with this ID (as in Ask, Progress and Result),
// whichever way it goes: the customer takes a file back, or stops one
// coming in. The receiver deletes what it got; the other side's Send or
// Request fails with ErrCanceled, and so does this side's. It reports
// whether such a transfer was running.
func (e *Endpoint) Cancel(id uint32) bool {
	k := key{local: id&(1<<31) == 0, id: id &^ (1 << 31)}
	r := e.takeRecv(k)
	if r != nil {
		r.discard()
		e.release(r)
	}
	e.mu.Lock()
	_, waiting := e.waiters[k]
	e.mu.Unlock()
	if r == nil && !waiting {
		return false
	}
	e.log.Info("transfer canceled here", "id", id)
	e.tell(k, abortMsg(msgAbort, k, ErrCanceled))
	return true
}

// RemovePartials deletes the unfinished files that interrupted transfers
// left in dir for a resume, and returns how many it deleted. The agent calls
// it when a session ends, so nothing is left behind.
func RemovePartials(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("remove partial files: %w", err)
	}
	n := 0
	var errs []error
	for _, ent := range ents {
		name := ent.Name()
		if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, partialSuffix) || !ent.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("remove partial files: %w", err)
	}
	return n, nil
}
