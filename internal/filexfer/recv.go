package filexfer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
)

// receiving is one file being written into its partial. Only Run touches
// it once it is registered.
type receiving struct {
	k       key
	f       *os.File
	dir     string
	partial string
	name    string
	size    int64
	want    [32]byte
	pkey    [keyLen]byte
	off     int64
	h       hash.Hash
	meter   *meter
}

// decideOffer answers an offer the other side started: refused outright if
// its name or size is unacceptable, else as Decide says.
func (e *Endpoint) decideOffer(ctx context.Context, k key, m message) {
	if err := e.vetOffer(m); err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	a := Ask{Kind: KindOffer, ID: k.public(), Name: m.Text, Size: m.Size,
		Resume: min(partialSize(e.cfg.Dir, m.Text, m.Key), m.Size)}
	if e.cfg.Decide == nil || !e.cfg.Decide(ctx, a) {
		e.log.Info("file refused", "id", k.public(), "size", m.Size)
		e.send(ctx, abortMsg(msgRefuse, k, ErrRefused))
		return
	}
	e.accept(ctx, k, m)
}

// vetOffer checks an offer's name and size before anyone is asked.
func (e *Endpoint) vetOffer(m message) error {
	if _, err := Sanitize(m.Text); err != nil {
		return err
	}
	if m.Size > e.cfg.MaxSize {
		return fmt.Errorf("%w: %d bytes offered, at most %d accepted", ErrTooLarge, m.Size, e.cfg.MaxSize)
	}
	return checkDir(e.cfg.Dir)
}

// accept opens the partial, registers it and tells the sender where to
// start. It returns the offset, or the error the sender was told.
func (e *Endpoint) accept(ctx context.Context, k key, m message) (int64, error) {
	r, err := e.openRecv(ctx, k, m)
	var off int64
	if err == nil {
		off = r.off // Run owns r once it is registered
		err = e.register(r)
	}
	if err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return 0, err
	}
	e.log.Info("file accepted", "id", k.public(), "size", m.Size, "offset", off)
	if err := e.send(ctx, &message{Type: msgAccept, Mine: k.local, ID: k.id, Offset: off}); err != nil {
		return 0, err
	}
	return off, nil
}

func (e *Endpoint) openRecv(ctx context.Context, k key, m message) (*receiving, error) {
	if err := e.claim(m.Key); err != nil {
		return nil, err
	}
	r := &receiving{k: k, dir: e.cfg.Dir, name: m.Text, size: m.Size, want: m.SHA256, pkey: m.Key}
	r.partial = filepath.Join(r.dir, partialName(r.name, r.pkey))
	var err error
	if r.f, r.off, r.h, err = openPartial(ctx, r.partial, r.size); err != nil {
		e.release(r)
		return nil, err
	}
	r.meter = newMeter(e.cfg.Progress, Progress{ID: k.public(), Name: r.name, Done: r.off, Total: r.size, Incoming: true})
	return r, nil
}

// claim marks a partial as in use: one file is received once at a time.
func (e *Endpoint) claim(pkey [keyLen]byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active[pkey] {
		return ErrBusy
	}
	e.active[pkey] = true
	return nil
}

func (e *Endpoint) release(r *receiving) {
	e.mu.Lock()
	delete(e.active, r.pkey)
	e.mu.Unlock()
}

// register hands r to Run, unless Run has ended.
func (e *Endpoint) register(r *receiving) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		r.keep()
		delete(e.active, r.pkey)
		return ErrLinkLost
	}
	e.recvs[r.k] = r
	return nil
}

// receive writes one data message. A file that is complete is verified and
// placed, and the sender (and a local Request) told the outcome.
func (e *Endpoint) receive(ctx context.Context, k key, m message) {
	e.mu.Lock()
	r := e.recvs[k]
	e.mu.Unlock()
	if r == nil {
		return // dropped already; the sender has been or will be told
	}
	if err := r.write(m); err != nil {
		e.dropRecv(k, err, true)
		e.out.post(abortMsg(msgAbort, k, err))
		e.deliver(k, *abortMsg(msgAbort, k, err))
		return
	}
	if r.off < r.size {
		return
	}
	e.takeRecv(k)
	final, err := r.finish()
	e.release(r)
	if err != nil {
		e.log.Warn("file failed", "id", k.public(), "err", err)
		e.out.post(abortMsg(msgAbort, k, err))
		e.deliver(k, *abortMsg(msgAbort, k, err))
		return
	}
	e.log.Info("file received", "id", k.public(), "size", r.size)
	done := &message{Type: msgDone, Mine: k.local, ID: k.id, Text: final}
	e.out.post(done)
	e.deliver(k, *done)
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
