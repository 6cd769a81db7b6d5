package agentsession

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// sendFile offers the file the customer chose in the window to the
// operator ("Send a file…"): only while a mode is in force and the grant
// includes file transfer, whatever the window showed. Its progress goes
// to the panel like any transfer's, and how it ended under it.
func (aw *agentWindow) sendFile(ctx context.Context, path string) {
	e := aw.files.Load()
	c := aw.cs.consent
	if e == nil || !c.allows(grant.FileTransfer) || c.get().Mode == proto.ModeNone {
		aw.cs.r.Logger().Info("file not sent: no file transfer now")
		return
	}
	name := filepath.Base(path)
	aw.wc.setSent(&agentui.SentFile{Name: name, Outcome: agentui.SendWaiting})
	ctx, cancel := context.WithCancel(ctx)
	aw.mu.Lock()
	aw.withdraw = cancel
	aw.mu.Unlock()
	aw.cs.r.Go(ctx, func(ctx context.Context) {
		defer cancel()
		res, err := e.Send(ctx, path)
		aw.wc.dropTransfer(res.ID)
		aw.wc.setSent(sentFile(name, err))
		aw.cs.r.Logger().Info("customer's file sent", "id", res.ID, "size", res.Size, "err", err)
	})
}

// sentFile says how a send ended, for the panel.
func sentFile(name string, err error) *agentui.SentFile {
	s := &agentui.SentFile{Name: name, Outcome: agentui.SendDone}
	switch {
	case err == nil:
	case errors.Is(err, filexfer.ErrRefused):
		s.Outcome = agentui.SendDeclined
	case errors.Is(err, filexfer.ErrCanceled), errors.Is(err, context.Canceled):
		s.Outcome = agentui.SendCanceled
	default:
		s.Outcome, s.Detail = agentui.SendFailed, session.TransferError(err)
	}
	return s
}

// withdrawSend cancels the file sent last (CancelSend: the customer took
// it back while it waited for the operator's answer); the operator's side
// is told, and the panel then says it was canceled.
func (aw *agentWindow) withdrawSend() {
	aw.mu.Lock()
	cancel := aw.withdraw
	aw.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
