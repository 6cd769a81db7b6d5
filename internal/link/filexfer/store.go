package filexfer

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
)

// receive writes one data message; the last one completes the file.
func (e *Endpoint) receive(k key, m message) {
	e.mu.Lock()
	r := e.recvs[k]
	e.mu.Unlock()
	if r == nil {
		return // dropped already; the sender has been or will be told
	}
	if err := r.write(m); err != nil {
		e.dropRecv(k, err, true)
		e.tell(k, abortMsg(msgAbort, k, err))
		return
	}
	if r.off == r.size && e.takeRecv(k) != nil {
		e.complete(k, r)
	}
}

// complete verifies and places a file that has all its bytes, and tells
// the sender (and a local Request) the outcome.
func (e *Endpoint) complete(k key, r *receiving) {
	final, err := r.finish()
	e.release(r)
	if err != nil {
		e.log.Warn("file failed", "id", k.public(), "err", err)
		e.tell(k, abortMsg(msgAbort, k, err))
		return
	}
	e.log.Info("file received", "id", k.public(), "size", r.size)
	e.tell(k, &message{Type: msgDone, Mine: k.local, ID: k.id, Text: final})
}

// tell queues m for the other side and hands it to k's local waiter, if
// any (a Request waits for its file).
func (e *Endpoint) tell(k key, m *message) {
	e.out.post(m)
	e.deliver(k, *m)
}

// write appends one chunk, which must start where the file ends.
func (r *receiving) write(m message) error {
	if m.Offset != r.off || int64(len(m.Data)) > r.size-r.off {
		return fmt.Errorf("%w: chunk at %d+%d, expected %d of %d", errFailed, m.Offset, len(m.Data), r.off, r.size)
	}
	if _, err := r.f.Write(m.Data); err != nil {
		return fmt.Errorf("%w: write %s: %v", errFailed, r.partial, err)
	}
	r.h.Write(m.Data)
	r.off += int64(len(m.Data))
	r.meter.report(r.off)
	return nil
}

// finish checks the whole file's hash and gives it its final name; on any
// failure the partial is removed.
func (r *receiving) finish() (string, error) {
	err := r.f.Sync()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && [sha256.Size]byte(r.h.Sum(nil)) != r.want {
		err = ErrHashMismatch
	}
	var final string
	if err == nil {
		final, err = place(r.partial, r.dir, r.name)
	}
	if err != nil {
		os.Remove(r.partial)
		if !errors.Is(err, ErrHashMismatch) {
			err = fmt.Errorf("%w: %v", errFailed, err)
		}
		return "", err
	}
	return final, nil
}

func (e *Endpoint) takeRecv(k key) *receiving {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.recvs[k]
	delete(e.recvs, k)
	return r
}

// dropRecv ends k's reception: the partial is removed when remove is set
// (the transfer failed or was canceled), else kept for a resume.
func (e *Endpoint) dropRecv(k key, why error, remove bool) {
	r := e.takeRecv(k)
	if r == nil {
		return
	}
	e.log.Info("file dropped", "id", k.public(), "err", why)
	if remove {
		r.discard()
	} else {
		r.keep()
	}
	e.release(r)
}

// keep closes the partial, leaving it for a resume.
func (r *receiving) keep() { r.f.Close() }

// discard closes and removes the partial.
func (r *receiving) discard() {
	r.f.Close()
	os.Remove(r.partial)
}
