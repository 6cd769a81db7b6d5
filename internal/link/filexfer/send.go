package filexfer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Result describes a finished transfer.
type Result struct {
	ID uint32 // as in Ask and Progress
	// Name is the file's final name in the receiver's folder: the offered
	// name, or "name (1).ext" and so on if that was taken.
	Name string
	// Path is where the file landed, when it landed on this side (Request).
	Path   string
	Size   int64
	SHA256 [32]byte
	// Resumed is how many bytes the receiver already held from an
	// interrupted attempt; Sent is how many this attempt carried.
	Resumed, Sent int64
}

// dataHeaderLen is the size of a data message before its payload.
const dataHeaderLen = 1 + idLen + 8

// abortTimeout bounds telling the other side that a transfer is canceled.
const abortTimeout = 2 * time.Second

// Send offers the local file at path (an absolute path; a symbolic link is
// refused) and, once the other side accepts, sends it, resuming where an
// interrupted attempt stopped. It returns when the receiver has verified and
// stored the file, or with ErrRefused, ErrTooLarge, ErrHashMismatch,
// ErrLinkLost (offer it again on the next link to resume) or ctx's error.
func (e *Endpoint) Send(ctx context.Context, path string) (Result, error) {
	res, err := e.sendFile(ctx, e.newKey(), path)
	if err != nil {
		return res, fmt.Errorf("send %s: %w", filepath.Base(path), err)
	}
	return res, nil
}

func (e *Endpoint) sendFile(ctx context.Context, k key, path string) (Result, error) {
	f, offer, err := prepare(ctx, path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	return e.offer(ctx, k, f, offer)
}

// prepare opens the file to send and builds its offer.
func prepare(ctx context.Context, path string) (*os.File, *message, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	offer, err := describe(ctx, f, filepath.Base(path), size)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, offer, nil
}

// describe builds the offer for the open file f of size bytes, sent as
// name: name, size, SHA-256 and the key a resume is recognized by.
func describe(ctx context.Context, f *os.File, name string, size int64) (*message, error) {
	name, err := Sanitize(name)
	if err != nil {
		return nil, err
	}
	sum, err := hashFile(ctx, f)
	if err != nil {
		return nil, err
	}
	return &message{Type: msgOffer, Size: size, SHA256: sum, Key: transferKey(name, size, sum), Text: name}, nil
}

// offer sends the offer for f as transfer k and streams it once accepted.
func (e *Endpoint) offer(ctx context.Context, k key, f *os.File, offer *message) (Result, error) {
	offer.Mine, offer.ID = k.local, k.id
	inbox, unwait := e.wait(k)
	defer unwait()
	if err := e.send(ctx, offer); err != nil {
		return Result{}, e.linkErr(err)
	}
	return e.stream(ctx, k, inbox, f, offer)
}

// stream waits for the answer to offer, sends the file from the accepted
// offset and waits for the receiver's verdict.
func (e *Endpoint) stream(ctx context.Context, k key, inbox <-chan message, f *os.File, offer *message) (Result, error) {
	res := Result{ID: k.public(), Size: offer.Size, SHA256: offer.SHA256}
	m, err := e.await(ctx, k, inbox)
	if err != nil {
		return res, err
	}
	if m.Type != msgAccept || m.Offset < 0 || m.Offset > offer.Size {
		return res, e.unexpected(ctx, k, m)
	}
	res.Resumed, res.Sent = m.Offset, offer.Size-m.Offset
	if err := e.pump(ctx, k, inbox, f, offer, m.Offset); err != nil {
		return res, err
	}
	if m, err = e.await(ctx, k, inbox); err != nil {
		return res, err
	}
	if m.Type != msgDone {
		return res, e.unexpected(ctx, k, m)
	}
	res.Name = m.Text
	return res, nil
}

// pump sends f from off to its end, stopping early if the receiver aborts.
func (e *Endpoint) pump(ctx context.Context, k key, inbox <-chan message, f *os.File, offer *message, off int64) error {
	meter := newMeter(e.cfg.Progress, Progress{ID: k.public(), Name: offer.Text, Done: off, Total: offer.Size})
	buf := make([]byte, dataHeaderLen+e.cfg.ChunkSize)
	buf[0] = byte(msgData)
	if k.local {
		buf[0] |= flagMine
	}
	binary.BigEndian.PutUint32(buf[1:], k.id)
	for off < offer.Size {
		n := int(min(int64(e.cfg.ChunkSize), offer.Size-off))
		chunk := buf[dataHeaderLen : dataHeaderLen+n]
		if _, err := f.ReadAt(chunk, off); err != nil && !errors.Is(err, io.EOF) {
			return e.cancel(k, fmt.Errorf("read %s: %w", f.Name(), err))
		}
		if e.tamper != nil {
			e.tamper(off, chunk)
		}
		binary.BigEndian.PutUint64(buf[1+idLen:], uint64(off))
		if err := e.conn.Send(ctx, buf[:dataHeaderLen+n]); err != nil {
			return e.sendErr(ctx, k, err)
		}
		off += int64(n)
		meter.report(off)
		select {
		case m := <-inbox:
			return e.unexpected(ctx, k, m)
		default:
		}
	}
	return nil
}

// await returns the next message for k.
func (e *Endpoint) await(ctx context.Context, k key, inbox <-chan message) (message, error) {
	select {
	case m := <-inbox:
		return m, nil
	case <-e.done:
		return message{}, ErrLinkLost
	case <-ctx.Done():
		return message{}, e.cancel(k, ctx.Err())
	}
}

// unexpected turns a refusal or abort into its error; anything else out of
// turn cancels the transfer.
func (e *Endpoint) unexpected(ctx context.Context, k key, m message) error {
	if m.Type == msgRefuse || m.Type == msgAbort {
		return remoteErr(m)
	}
	return e.cancel(k, fmt.Errorf("%w: unexpected message type %d", errFailed, m.Type))
}

// sendErr classifies a failed send: ctx's end cancels the transfer, a
// closed channel is a lost link.
func (e *Endpoint) sendErr(ctx context.Context, k key, err error) error {
	if ctx.Err() != nil {
		return e.cancel(k, ctx.Err())
	}
	return e.linkErr(err)
}

func (e *Endpoint) linkErr(err error) error {
	return fmt.Errorf("%w (%v)", ErrLinkLost, err)
}

// cancel tells the other side that k is given up, so it removes what it
// received, and returns why.
func (e *Endpoint) cancel(k key, why error) error {
	ctx, stop := context.WithTimeout(context.Background(), abortTimeout)
	defer stop()
	m := abortMsg(msgAbort, k, ErrCanceled)
	m.Text = why.Error()
	_ = e.send(ctx, m)
	return why
}
