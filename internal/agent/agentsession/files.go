package agentsession

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// serveFiles serves file transfers on the agent, or says why it does not:
// the grant has no file transfer, or the folder is unusable (the caller
// then refuses every offer and request with that reason).
func (aw *agentWindow) serveFiles(ctx context.Context, r *session.Run, cfg session.FilesConfig) (why string) {
	if !aw.cs.consent.allows(grant.FileTransfer) {
		return "the operator's grant does not include file transfer"
	}
	if _, err := aw.startFiles(ctx, r, cfg); err != nil {
		r.Logger().Warn("file transfer unavailable", "err", err)
		return "the customer's download folder cannot be used"
	}
	return ""
}

// startFiles serves file transfers on the agent: every incoming file and
// every download request is put to the customer, and only when the
// operator's grant includes file transfer; anything else is refused
// before a byte is written. Partial files left by a cut transfer are
// removed when the session ends.
func (aw *agentWindow) startFiles(ctx context.Context, r *session.Run, cfg session.FilesConfig) (*filexfer.Endpoint, error) {
	c := aw.cs.consent
	e, err := filexfer.New(r.Link().Channel(peer.ChannelFile), filexfer.Config{
		Dir: cfg.Dir, MaxSize: cfg.MaxSize, Logger: r.Logger(),
		Decide: func(ctx context.Context, a filexfer.Ask) bool {
			if !c.allows(grant.FileTransfer) || c.get().Mode == proto.ModeNone {
				return false
			}
			q := fileQuestion(a)
			q.Operator, q.Organisation = c.operator()
			return aw.wc.Ask(ctx, q) == proto.AnswerAllowed
		},
		Progress: aw.wc.setTransfer,
	})
	if err != nil {
		return nil, fmt.Errorf("file transfer: %w", err)
	}
	aw.files.Store(e)
	aw.wc.setFiles(true)
	r.Go(ctx, func(ctx context.Context) {
		e.Run(ctx)
		if cfg.Dir != "" {
			filexfer.RemovePartials(cfg.Dir)
		} else if dir, err := filexfer.DefaultDir(); err == nil {
			filexfer.RemovePartials(dir)
		}
	})
	return e, nil
}

// cancelTransfer stops the transfer the customer canceled on the panel,
// whichever way it goes (the receiver deletes what it got; the
// technician's side ends with filexfer.ErrCanceled), and takes it off the
// panel.
func (aw *agentWindow) cancelTransfer(id uint32) {
	if e := aw.files.Load(); e != nil && !e.Cancel(id) {
		aw.cs.r.Logger().Info("transfer to cancel already ended", "id", id)
	}
	aw.wc.dropTransfer(id)
}

// fileQuestion is what the customer is asked about a file: an incoming
// file by its name, a download by the file's name and, apart, the full
// folder it is read from (filexfer resolved the path the technician typed:
// what is shown is what is read).
func fileQuestion(a filexfer.Ask) session.Question {
	if a.Kind != filexfer.KindRequest {
		return session.Question{Kind: session.AskFileIn, File: a.Name, Size: a.Size}
	}
	return session.Question{Kind: session.AskFileOut, File: a.Name, Size: a.Size, Dir: filepath.Dir(a.Path),
		OutsideHome: a.OutsideHome, Hidden: a.Hidden}
}
