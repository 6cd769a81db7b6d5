package filexfer

import (
	"context"
	"fmt"
	"path/filepath"
)

// Request asks the other side for the file at path: a full path on that
// side, or one relative to its user's home folder ("Documents/a.pdf",
// "~/Documents/a.pdf"). A path with a ".." element, or with characters
// that would hide part of it, is refused here and there (CheckFetchPath).
// If its user accepts, the file lands in Config.Dir; the Result's Path
// says where. Errors are as for Send, plus ErrUnavailable and ErrBadName.
func (e *Endpoint) Request(ctx context.Context, path string) (Result, error) {
	if err := CheckFetchPath(path); err != nil {
		return Result{}, fmt.Errorf("request %q: %w", path, err)
	}
	res, err := e.request(ctx, e.newKey(), path)
	if err != nil {
		return res, fmt.Errorf("request %q: %w", path, err)
	}
	return res, nil
}

func (e *Endpoint) request(ctx context.Context, k key, path string) (Result, error) {
	if len(path) > maxTextLen {
		return Result{}, fmt.Errorf("%w: the path is longer than %d bytes", ErrUnavailable, maxTextLen)
	}
	inbox, unwait := e.wait(k)
	defer unwait()
	if err := e.send(ctx, &message{Type: msgRequest, Mine: true, ID: k.id, Text: path}); err != nil {
		return Result{}, e.linkErr(err)
	}
	res := Result{ID: k.public()}
	m, err := e.await(ctx, k, inbox)
	if err != nil {
		return res, err
	}
	if m.Type != msgOffer {
		return res, e.unexpected(ctx, k, m)
	}
	res.Size, res.SHA256 = m.Size, m.SHA256
	if err := e.vetOffer(m); err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return res, err
	}
	if res.Resumed, err = e.accept(ctx, k, m); err != nil {
		return res, err
	}
	res.Sent = res.Size - res.Resumed
	if m, err = e.await(ctx, k, inbox); err != nil {
		e.dropRecv(k, err, ctx.Err() != nil)
		return res, err
	}
	if m.Type != msgDone {
		return res, e.unexpected(ctx, k, m)
	}
	res.Name, res.Path = m.Text, filepath.Join(e.cfg.Dir, m.Text)
	return res, nil
}

// serve answers the other side's request for path: the path is resolved
// and the file opened first, so that Decide is asked about the file that
// would really be read; refused unless Decide accepts, then that open file
// is sent like an offer.
func (e *Endpoint) serve(ctx context.Context, k key, path string) {
	src, err := resolveFetch(path, e.cfg.Home)
	if err != nil {
		e.log.Info("download refused before asking", "id", k.public(), "err", err)
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	defer src.close()
	a := Ask{Kind: KindRequest, ID: k.public(), Name: filepath.Base(src.path), Path: src.path, Size: src.size,
		OutsideHome: src.outside, Hidden: src.hidden}
	if e.cfg.Decide == nil || !e.cfg.Decide(ctx, a) {
		e.log.Info("download refused", "id", k.public())
		e.send(ctx, abortMsg(msgRefuse, k, ErrRefused))
		return
	}
	offer, err := src.offer(ctx)
	if err != nil {
		e.log.Info("download unavailable", "id", k.public(), "err", err)
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	res, err := e.offer(ctx, k, src.f, offer)
	if err != nil {
		e.log.Info("download failed", "id", k.public(), "err", err)
		return
	}
	e.log.Info("download served", "id", k.public(), "size", res.Size)
}
