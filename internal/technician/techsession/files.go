package techsession

import (
	"context"
	"fmt"
	"sync"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
)

// startFiles runs the technician's side of file transfer: the handle's
// sends and fetches once the customer has allowed the session, with a
// progress event for each and one at the end that says what happened.
func (v *techView) startFiles(ctx context.Context) {
	e, err := filexfer.New(v.r.Link().Channel(peer.ChannelFile), filexfer.Config{
		Dir: v.cfg.Files.Dir, MaxSize: v.cfg.Files.MaxSize, Logger: v.log,
		// The technician accepts what it asked for; a file the customer
		// offers on their own is put to the technician (OfferEvent).
		Decide: v.decide,
		Progress: func(p filexfer.Progress) {
			v.r.Report().Transfer(p)
			v.emit(TransferEvent{p})
		},
	})
	if err != nil {
		v.r.Report().Failed(fmt.Errorf("file transfer: %w", err))
		v.r.Drain(ctx, peer.ChannelFile)
		return
	}
	v.r.Go(ctx, func(ctx context.Context) { e.Run(ctx) })
	v.r.Go(ctx, func(ctx context.Context) { v.serveFileRequests(ctx, e) })
}

// FileRequest is a transfer the technician asks for: the local file at
// Path sent to the customer, or with Fetch, the file at Path on the
// customer's computer fetched.
type FileRequest struct {
	Path  string
	Fetch bool
}

// serveFileRequests runs the handle's requests (Session.Send, Fetch), each on its own so that a
// long transfer does not hold up the next, once the customer allowed the
// session.
func (v *techView) serveFileRequests(ctx context.Context, e *filexfer.Endpoint) {
	if !v.waitAllowed(ctx) {
		return
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case req := <-v.req.files:
			wg.Go(func() { v.transfer(ctx, e, req) })
		}
	}
}

// transfer runs one request and reports how it ended.
func (v *techView) transfer(ctx context.Context, e *filexfer.Endpoint, req FileRequest) {
	var res filexfer.Result
	var err error
	if req.Fetch {
		res, err = e.Request(ctx, req.Path)
	} else {
		res, err = e.Send(ctx, req.Path)
	}
	v.r.Report().TransferEnd(req.Path, res, err)
	v.emit(TransferEndEvent{Request: req, Result: res, Err: err})
}

// waitAllowed waits until the customer allowed a mode (files need a
// session the customer agreed to), or ctx ends.
func (v *techView) waitAllowed(ctx context.Context) bool {
	select {
	case <-v.allowed:
		return true
	case <-ctx.Done():
		return false
	}
}
