package signaling

import (
	"net"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/proto"
	"github.com/tandem-remote/tandem/internal/turncred"
)

// iceServers returns the list handed to one side of session id: a STUN
// entry per plain TURN host and one TURN entry carrying every relay URL with
// a credential that expires with the session.
func (s *Server) iceServers(id string, ends time.Time) ([]proto.ICEServer, error) {
	if len(s.cfg.TURNURLs) == 0 {
		return []proto.ICEServer{}, nil
	}
	cred, err := turncred.Issue(s.cfg.TURNSecret, id, ends)
	if err != nil {
		return nil, err
	}
	var stun []string
	seen := map[string]bool{}
	for _, u := range s.cfg.TURNURLs {
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
		URLs:       append([]string(nil), s.cfg.TURNURLs...),
		Username:   cred.Username,
		Credential: cred.Password,
	}), nil
}
