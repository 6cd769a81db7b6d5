package helpdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"

	"github.com/tandem-remote/tandem/internal/server/httpjson"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// maxBody bounds a request body: a message of MaxText characters, each up
// to 4 bytes in UTF-8 and escaped, fits well within it.
const maxBody = 64 << 10

// clientAddr is r's source, through trusted proxies when Auth knows them.
func (h *Hub) clientAddr(r *http.Request) netip.Addr {
	if h.cfg.Auth != nil {
		if a := h.cfg.Auth.ClientAddr(r); a.IsValid() {
			return a
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return ap.Addr()
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		return errBadRequest
	}
	return nil
}

func (h *Hub) serveVisit(w http.ResponseWriter, r *http.Request) {
	var v chatwire.Visit
	if err := decode(w, r, &v); err != nil {
		writeError(w, err)
		return
	}
	out, err := h.Start(r.Context(), v, h.clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (h *Hub) servePoll(w http.ResponseWriter, r *http.Request) {
	var p chatwire.PageFrame
	if err := decode(w, r, &p); err != nil {
		writeError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PollWait)
	defer cancel()
	evs, err := h.Wait(ctx, p.ID, p.Key, p.After)
	if err != nil {
		writeError(w, err)
		return
	}
	if evs == nil {
		evs = []chatwire.Event{}
	}
	httpjson.Write(w, http.StatusOK, chatwire.Polled{Events: evs})
}

func (h *Hub) serveSend(w http.ResponseWriter, r *http.Request) {
	var p chatwire.PageFrame
	if err := decode(w, r, &p); err != nil {
		writeError(w, err)
		return
	}
	seq, err := h.Say(r.Context(), p.ID, p.Key, p.CID, p.Text)
	if err != nil {
		writeError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, chatwire.Sent{Seq: seq})
}

func (h *Hub) serveTyping(w http.ResponseWriter, r *http.Request) {
	var p chatwire.PageFrame
	if err := decode(w, r, &p); err != nil {
		writeError(w, err)
		return
	}
	if err := h.CustomerTyping(p.ID, p.Key); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
