package signaling

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/tandem-remote/tandem/internal/server/helpdesk"
	"github.com/tandem-remote/tandem/internal/server/helpdesk/page"
)

// deskSessions lets the help desk look session codes up (LookupCode,
// throttled like joins). s is set once the server exists, before it
// serves.
type deskSessions struct{ s *Server }

func (d *deskSessions) Lookup(code string, from netip.Addr) (helpdesk.SessionInfo, error) {
	ci, err := d.s.LookupCode(code, from)
	if err != nil {
		return helpdesk.SessionInfo{}, err
	}
	return helpdesk.SessionInfo{Session: ci.Session, OperatorID: ci.OperatorID, Operator: ci.Operator,
		Organisation: ci.Organisation, Expires: ci.Expires}, nil
}

// newDesk builds the customers' web chat and the operators' desk over the
// accounts' store and audit log.
//
// With several nodes (svc.bus set) the conversations are shared with the
// other nodes (desk_cluster.go) instead of kept across a restart.
func (svc *Service) newDesk(public *url.URL, sessions helpdesk.Sessions) (*helpdesk.Hub, error) {
	acc := svc.accounts
	cfg := helpdesk.Config{
		Sessions: sessions, Auth: acc.auth, Transcripts: acc.st, Retention: svc.opts.ChatRetention,
		Audit: acc.audit, Keep: acc.st, OriginPatterns: []string{public.Host}, Logger: svc.opts.Logger,
	}
	var shared *deskShared
	if svc.bus != nil {
		var err error
		if shared, err = openDeskShared(context.Background(), acc.st.DB(), svc.bus, svc.opts.Logger); err != nil {
			return nil, err
		}
		cfg.Keep, cfg.Shared = nil, shared
	}
	hub, err := helpdesk.New(cfg)
	if err != nil {
		return nil, err
	}
	if shared != nil {
		if err := shared.receive(hub); err != nil {
			return nil, err
		}
	}
	kept := "not kept after a conversation ends"
	if r := svc.opts.ChatRetention; r > 0 {
		kept = "kept " + retentionText(r) + " after a conversation ends"
	}
	svc.summary = append(svc.summary, "Help page: "+public.String()+"/ (web chat transcripts "+kept+")")
	return hub, nil
}

// mountWeb lets the desk look codes up on the server, now that it exists,
// and serves the help page on every path the server's routes do not take.
func (svc *Service) mountWeb(sessions *deskSessions) {
	sessions.s = svc.server
	svc.server.SetWeb(getOnly(page.Handler(page.Options{Logger: svc.opts.Logger})))
}

// getOnly passes GET and HEAD to h and answers 404 to every other method,
// as for any path no route takes: the pages are read-only, and the API's
// paths (/V1/Setup, /v1%2Fsetup) must not answer differently for being
// spelled wrong.
func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
