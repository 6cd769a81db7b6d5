package session

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/tandem-remote/tandem/internal/agentui"
	"github.com/tandem-remote/tandem/internal/filexfer"
	"github.com/tandem-remote/tandem/internal/grant"
	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/proto"
)

// FilesConfig is where a side's incoming files land.
type FilesConfig struct {
	// Dir receives incoming files; "" means the user's Downloads folder.
	Dir string
	// MaxSize caps an incoming file; 0 means filexfer's default (4 GiB).
	MaxSize int64
}

// serveFiles serves file transfers on the agent and reports whether it
// does; it does not when the grant has no file transfer or the folder is
// unusable (the channel is then drained and every offer goes unanswered
// on the technician's side until the session ends).
func (aw *agentWindow) serveFiles(ctx context.Context, r *run, cfg FilesConfig) bool {
	if !aw.cs.consent.allows(grant.FileTransfer) {
		return false
	}
	if _, err := aw.startFiles(ctx, r, cfg); err != nil {
		r.cfg.Logger.Warn("file transfer unavailable", "err", err)
		return false
	}
	return true
}

// startFiles serves file transfers on the agent: every incoming file and
// every download request is put to the customer, and only when the
// operator's grant includes file transfer; anything else is refused
// before a byte is written. Partial files left by a cut transfer are
// removed when the session ends.
func (aw *agentWindow) startFiles(ctx context.Context, r *run, cfg FilesConfig) (*filexfer.Endpoint, error) {
	c := aw.cs.consent
	e, err := filexfer.New(r.link.Channel(peer.ChannelFile), filexfer.Config{
		Dir: cfg.Dir, MaxSize: cfg.MaxSize, Logger: r.cfg.Logger,
		Decide: func(ctx context.Context, a filexfer.Ask) bool {
			if !c.allows(grant.FileTransfer) || c.get().Mode == proto.ModeNone {
				return false
			}
			q := fileQuestion(a)
			q.Operator, q.Organisation = c.operator()
			return aw.wc.Ask(ctx, q) == proto.AnswerAllowed
		},
		Progress: func(p filexfer.Progress) {
			id := fmt.Sprint(p.ID, p.Incoming)
			aw.wc.setTransfer(id, agentui.Transfer{ID: id, Name: p.Name, Done: p.Done, Total: p.Total, Incoming: p.Incoming}, p.Done >= p.Total)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("file transfer: %w", err)
	}
	r.goWorker(ctx, func(ctx context.Context) {
		e.Run(ctx)
		if cfg.Dir != "" {
			filexfer.RemovePartials(cfg.Dir)
		} else if dir, err := filexfer.DefaultDir(); err == nil {
			filexfer.RemovePartials(dir)
		}
	})
	return e, nil
}

// fileQuestion is what the customer is asked about a file: an incoming
// file by its name, a download by the file's name and, apart, the full
// folder it is read from (filexfer resolved the path the technician typed:
// what is shown is what is read).
func fileQuestion(a filexfer.Ask) Question {
	if a.Kind != filexfer.KindRequest {
		return Question{Kind: AskFileIn, File: a.Name, Size: a.Size}
	}
	return Question{Kind: AskFileOut, File: a.Name, Size: a.Size, Dir: filepath.Dir(a.Path),
		OutsideHome: a.OutsideHome, Hidden: a.Hidden}
}

// techFiles runs the technician's side of file transfer: the scripted
// sends and fetches once the customer has allowed the session, with a
// progress event for each and one at the end that says what happened.
func (v *techView) startFiles(ctx context.Context) {
	e, err := filexfer.New(v.r.link.Channel(peer.ChannelFile), filexfer.Config{
		Dir: v.cfg.Files.Dir, MaxSize: v.cfg.Files.MaxSize, Logger: v.log,
		// The technician accepts what it asked for; files the customer
		// offers unasked are refused (the viewer does not offer them yet).
		Decide: func(ctx context.Context, a filexfer.Ask) bool { return false },
		Progress: func(p filexfer.Progress) {
			v.r.cfg.Report.Transfer(p)
			if v.cfg.OnTransfer != nil {
				v.cfg.OnTransfer(p)
			}
		},
	})
	if err != nil {
		v.r.cfg.Report.Failed(fmt.Errorf("file transfer: %w", err))
		v.r.drain(ctx, peer.ChannelFile)
		return
	}
	v.r.goWorker(ctx, func(ctx context.Context) { e.Run(ctx) })
	if v.cfg.FileRequests != nil {
		v.r.goWorker(ctx, func(ctx context.Context) { v.serveFileRequests(ctx, e) })
	}
	if len(v.cfg.Send) == 0 && len(v.cfg.Fetch) == 0 {
		return
	}
	v.r.goWorker(ctx, func(ctx context.Context) {
		if !v.waitAllowed(ctx) {
			return
		}
		for _, path := range v.cfg.Send {
			v.transfer(ctx, e, FileRequest{Path: path})
		}
		for _, path := range v.cfg.Fetch {
			v.transfer(ctx, e, FileRequest{Path: path, Fetch: true})
		}
	})
}

// FileRequest is a transfer the technician asks for: the local file at
// Path sent to the customer, or with Fetch, the file at Path on the
// customer's computer fetched.
type FileRequest struct {
	Path  string
	Fetch bool
}

// serveFileRequests runs a viewer's requests, each on its own so that a
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
		case req := <-v.cfg.FileRequests:
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
	v.r.cfg.Report.TransferEnd(req.Path, res, err)
	if v.cfg.OnTransferEnd != nil {
		v.cfg.OnTransferEnd(req, res, err)
	}
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

// TransferError words a transfer's failure for the technician.
func TransferError(err error) string {
	switch {
	case errors.Is(err, filexfer.ErrRefused):
		return "the customer refused it"
	case errors.Is(err, filexfer.ErrLinkLost):
		return "the link was lost (offer it again to resume)"
	}
	return err.Error()
}

func sha(sum [32]byte) string { return hex.EncodeToString(sum[:]) }
