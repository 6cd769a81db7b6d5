package filexfer

import (
	"context"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sync"
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
// its name or size is unacceptable, else as Decide says, asked under ask
// (canceled if the other side withdraws the offer: then nothing is sent
// back).
func (e *Endpoint) decideOffer(ctx, ask context.Context, k key, m message) {
	if err := e.vetOffer(m); err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	a := Ask{Kind: KindOffer, ID: k.public(), Name: m.Text, Size: m.Size,
		Resume: min(partialSize(e.cfg.Dir, m.Text, m.Key), m.Size)}
	ok := e.cfg.Decide != nil && e.cfg.Decide(ask, a)
	if ask.Err() != nil && ctx.Err() == nil {
		e.log.Info("offer withdrawn before the answer", "id", k.public())
		return
	}
	if !ok {
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
		// A file that is empty, or was complete when a link was cut, needs
		// no data: it is completed here and never handed to Run.
		if off = r.off; off < r.size {
			err = e.register(r) // Run owns r from here on
		}
	}
	if err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return 0, err
	}
	e.log.Info("file accepted", "id", k.public(), "size", m.Size, "offset", off)
	if err := e.send(ctx, &message{Type: msgAccept, Mine: k.local, ID: k.id, Offset: off}); err != nil {
		if off == m.Size { // not Run's to close
			r.keep()
			e.release(r)
		}
		return 0, err
	}
	if off == m.Size {
		e.complete(k, r)
	}
	return off, nil
}

func (e *Endpoint) openRecv(ctx context.Context, k key, m message) (*receiving, error) {
	r := &receiving{k: k, dir: e.cfg.Dir, name: m.Text, size: m.Size, want: m.SHA256, pkey: m.Key}
	partial, err := filepath.Abs(filepath.Join(r.dir, partialName(r.name, r.pkey)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFailed, err)
	}
	r.partial = partial
	if err := claim(r.partial); err != nil {
		return nil, err
	}
	if r.f, r.off, r.h, err = openPartial(ctx, r.partial, r.size); err != nil {
		e.release(r)
		return nil, err
	}
	r.meter = newMeter(e.cfg.Progress, Progress{ID: k.public(), Name: r.name, Done: r.off, Total: r.size, Incoming: true})
	return r, nil
}

// claims are the partial files being written in this process. One file is
// received once at a time, also across Endpoints: a re-offer on a new link
// must not reopen a partial the old link's Run is still writing.
var claims = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func claim(partial string) error {
	claims.Lock()
	defer claims.Unlock()
	if claims.paths[partial] {
		return ErrBusy
	}
	claims.paths[partial] = true
	return nil
}

// release gives up r's claim on its partial.
func (e *Endpoint) release(r *receiving) {
	claims.Lock()
	delete(claims.paths, r.partial)
	claims.Unlock()
}

// register hands r to Run, unless Run has ended.
func (e *Endpoint) register(r *receiving) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		r.keep()
		e.release(r)
		return ErrLinkLost
	}
	e.recvs[r.k] = r
	return nil
}
