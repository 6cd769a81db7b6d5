package signaling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/wire/proto"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// The one-click agent: the help page POSTs the session code to
// /v1/agent/{platform}, and the server answers the agent binary with a
// stamp appended (package stamp) naming this server, its certificate's
// pin, a one-time join ticket for the code's session and the ticket's
// expiry, signed with the grant key. The customer runs the file with no
// arguments and it joins that session and no other. The binary is read
// from Config.AgentBinary (Linux) or Config.AgentBinaryWindows on every
// request and streamed; it is never held in memory. The Windows agent is
// stamped the same way: the PE loader, like the ELF one, maps only the
// sections its headers name, and an unsigned executable may carry bytes
// after them.

// Platforms with an agent: the last element of the download's path.
const (
	AgentPlatform        = "linux-amd64"
	AgentPlatformWindows = "windows-amd64"
)

// Names browsers save the downloads under.
const (
	AgentFilename        = "tandem-agent"
	AgentFilenameWindows = "tandem-agent.exe"
)

// agentFile is what one platform's download serves.
type agentFile struct {
	platform, path, filename string
}

// agentFor is the configured agent for platform; false when this server
// offers none for it (the Linux one answers 503 when unconfigured: it is
// the one every server is expected to offer).
func (s *Server) agentFor(platform string) (agentFile, bool) {
	switch {
	case platform == AgentPlatform:
		return agentFile{platform, s.cfg.AgentBinary, AgentFilename}, true
	case platform == AgentPlatformWindows && s.cfg.AgentBinaryWindows != "":
		return agentFile{platform, s.cfg.AgentBinaryWindows, AgentFilenameWindows}, true
	}
	return agentFile{}, false
}

// unavailable is the answer for a platform with no agent here.
func (s *Server) unavailable() string {
	offered := AgentPlatform + " (Linux on x86-64)"
	if s.cfg.AgentBinaryWindows != "" {
		offered += " and " + AgentPlatformWindows + " (Windows on x86-64)"
	}
	return "the agent is not available yet for this platform: only " + offered + " for now; ask your technician"
}

// serveAgent answers POST /v1/agent/{platform} with form field code.
func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plainError(w, http.StatusMethodNotAllowed, "the agent is downloaded with POST (the help page's download button)")
		return
	}
	agent, ok := s.agentFor(strings.TrimPrefix(r.URL.Path, "/v1/agent/"))
	if !ok {
		plainError(w, http.StatusNotFound, s.unavailable())
		return
	}
	f, size, err := s.openAgent(agent.path)
	if err != nil {
		s.cfg.Logger.Error("agent download: no agent to offer", "platform", agent.platform, "err", err)
		plainError(w, http.StatusServiceUnavailable, "this server has no agent to offer; start it with -agent-binary")
		return
	}
	defer f.Close()
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	code := proto.ServerCode(r.PostFormValue("code"))
	info, trailer, err := s.stampFor(code, s.sourceOf(r))
	if err != nil {
		status, msg := downloadError(err)
		plainError(w, status, msg)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+agent.filename+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(size+int64(len(trailer)), 10))
	s.auditDownload(r.Context(), info, agent.platform, r)
	if _, err := io.CopyN(w, f, size); err != nil {
		s.cfg.Logger.Info("agent download cut short", "session", info.Session, "err", err)
		return
	}
	w.Write(trailer)
}

// openAgent opens the agent binary at path and returns its size.
func (s *Server) openAgent(path string) (*os.File, int64, error) {
	if path == "" || s.cfg.CertPin == nil || s.cfg.GrantKey == nil || s.cfg.PublicURL == "" {
		return nil, 0, errors.New("not configured")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	return f, fi.Size(), nil
}

// stampFor looks the code up (throttled like a join), mints a ticket for
// its session and returns the stamp that carries it.
func (s *Server) stampFor(code string, from netip.Addr) (CodeInfo, []byte, error) {
	info, err := s.LookupCode(code, from)
	if err != nil {
		return info, nil, err
	}
	tk, exp, err := s.MintTicket(info.Session)
	if err != nil {
		return info, nil, err
	}
	pin, err := s.cfg.CertPin()
	if err != nil {
		return info, nil, fmt.Errorf("certificate pin: %w", err)
	}
	p := stamp.Payload{V: stamp.Version, Server: s.cfg.PublicURL, Pin: pin, Ticket: tk,
		Session: info.Session, Expires: exp}
	trailer, err := stamp.Trailer(p, s.cfg.GrantKey)
	return info, trailer, err
}

// downloadError is the status and plain-text answer for err.
func downloadError(err error) (int, string) {
	switch {
	case errors.Is(err, proto.ErrThrottled):
		return http.StatusTooManyRequests, "too many attempts from this address: wait a minute and try again"
	case errors.Is(err, ErrCodeExpired):
		return http.StatusGone, "this session code has expired or was already used: ask your technician for a new one"
	case errors.Is(err, proto.ErrInvalidCode):
		return http.StatusNotFound, "no session has this code: check the digits, or ask your technician for a new code"
	}
	return http.StatusInternalServerError, "the server could not prepare the agent: try again, or ask your technician"
}

func (s *Server) auditDownload(ctx context.Context, info CodeInfo, platform string, r *http.Request) {
	if s.cfg.Audit == nil {
		return
	}
	s.cfg.Audit.Note(ctx, audit.Entry{Kind: "agent.download", Actor: info.OperatorID, Subject: info.Session,
		Source: s.sourceOf(r).String(), Detail: map[string]string{"platform": platform}})
}

// sourceOf is the request's client address, through trusted proxies.
func (s *Server) sourceOf(r *http.Request) netip.Addr {
	if s.cfg.Auth != nil {
		if a := s.cfg.Auth.ClientAddr(r); a.IsValid() {
			return a
		}
	}
	return remoteAddr(r)
}

func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
