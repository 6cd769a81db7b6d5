package signaling

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/turncred"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// iceServers returns the list handed to one side of session id: a STUN
// entry per plain TURN host and one TURN entry carrying every relay URL with
// a credential that expires with the session. With a relay pool only the
// relays that answer its probes are listed. A non-zero port (the operator's
// assigned relay port) replaces the port of every URL.
func (s *Server) iceServers(id string, ends time.Time, port int) ([]proto.ICEServer, error) {
	if len(s.cfg.TURNURLs) == 0 {
		return []proto.ICEServer{}, nil
	}
	cred, err := turncred.Issue(s.cfg.TURNSecret, id, ends)
	if err != nil {
		return nil, err
	}
	urls := s.cfg.TURNURLs
	if s.cfg.relays != nil {
		urls = s.cfg.relays.healthy()
	}
	if port != 0 {
		urls = withPort(urls, port)
	}
	var stun []string
	seen := map[string]bool{}
	for _, u := range urls {
		if !strings.HasPrefix(u, "turn:") {
			continue
		}
		hostport, _, _ := strings.Cut(strings.TrimPrefix(u, "turn:"), "?")
		if _, _, err := net.SplitHostPort(hostport); err != nil {
			hostport = net.JoinHostPort(strings.Trim(hostport, "[]"), "3478")
		}
		if !seen[hostport] {
			seen[hostport] = true
			stun = append(stun, "stun:"+hostport)
		}
	}
	var out []proto.ICEServer
	if len(stun) > 0 {
		out = append(out, proto.ICEServer{URLs: stun})
	}
	return append(out, proto.ICEServer{
		URLs:       append([]string(nil), urls...),
		Username:   cred.Username,
		Credential: cred.Password,
	}), nil
}

// withPort returns urls (turn: or turns:, RFC 7065: scheme:host[:port][?query])
// with every port replaced by port, dropping duplicates the rewrite makes.
func withPort(urls []string, port int) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range urls {
		scheme, rest, ok := strings.Cut(u, ":")
		if !ok {
			continue
		}
		hostport, query, hasQuery := strings.Cut(rest, "?")
		host := strings.Trim(hostport, "[]")
		if h, _, err := net.SplitHostPort(hostport); err == nil {
			host = h
		}
		nu := scheme + ":" + net.JoinHostPort(host, strconv.Itoa(port))
		if hasQuery {
			nu += "?" + query
		}
		if !seen[nu] {
			seen[nu] = true
			out = append(out, nu)
		}
	}
	return out
}
