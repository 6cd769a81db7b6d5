package filexfer

import (
	"context"
	"fmt"
	"path/filepath"
	"unicode/utf8"
)

// Request asks the other side for the file at path (an absolute path on
// that side). If its user accepts, the file lands in Config.Dir; the
// Result's Path says where. Errors are as for Send, plus ErrUnavailable.
func (e *Endpoint) Request(ctx context.Context, path string) (Result, error) {
	res, err := e.request(ctx, e.newKey(), path)
	if err != nil {
		return res, fmt.Errorf("request %s: %w", path, err)
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

// serve answers the other side's request for path: refused unless Decide
// accepts it, then sent like an offer.
func (e *Endpoint) serve(ctx context.Context, k key, path string) {
	name, err := vetRequest(path)
	if err != nil {
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	a := Ask{Kind: KindRequest, ID: k.public(), Name: name, Path: path}
	if e.cfg.Decide == nil || !e.cfg.Decide(ctx, a) {
		e.log.Info("download refused", "id", k.public())
		e.send(ctx, abortMsg(msgRefuse, k, ErrRefused))
		return
	}
	f, offer, err := prepare(ctx, path)
	if err != nil {
		e.log.Info("download unavailable", "id", k.public(), "err", err)
		e.send(ctx, abortMsg(msgRefuse, k, err))
		return
	}
	defer f.Close()
	res, err := e.offer(ctx, k, f, offer)
	if err != nil {
		e.log.Info("download failed", "id", k.public(), "err", err)
		return
	}
	e.log.Info("download served", "id", k.public(), "size", res.Size)
}

// vetRequest refuses, before anyone is asked, a path that could mislead
// the consent dialog (control or text direction characters anywhere) or
// whose file name would be refused on arrival. It returns the file name.
func vetRequest(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%w: %q is not an absolute path", ErrUnavailable, path)
	}
	if !utf8.ValidString(path) {
		return "", fmt.Errorf("%w: the path is not valid UTF-8", ErrBadName)
	}
	for _, r := range path {
		if msg := runeProblem(r); msg != "" {
			return "", fmt.Errorf("%w: the path %s", ErrBadName, msg)
		}
	}
	return Sanitize(filepath.Base(path))
}
