package agentsession

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// cuttable is a listener whose accepted connections (WebSockets included,
// which the HTTP server forgets once hijacked) can all be cut at once, as
// when the signaling server's host goes down.
type cuttable struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *cuttable) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *cuttable) cut() {
	l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

// TestSessionOutlivesSignaling: once the peers are connected the signaling
// server is no longer needed; its loss must not end the session, and the
// technician's hang-up still reaches the agent, over the link itself.
func TestSessionOutlivesSignaling(t *testing.T) {
	leakcheck.Check(t)
	var ln *cuttable
	s := newStackListener(t, func(l net.Listener) net.Listener { ln = &cuttable{Listener: l}; return ln }, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tech, agent := newEvents(), newEvents()
	techCtx, hangUp := context.WithCancel(ctx)
	techDone := make(chan error, 1)
	go func() {
		techDone <- techsession.New(techsession.TechnicianConfig{Common: s.common(tech, false), Token: s.token}).Run(techCtx)
	}()
	code := tech.next(t, "code")["code"].(string)
	agentDone := make(chan error, 1)
	go func() { agentDone <- RunAgent(ctx, AgentConfig{Common: s.common(agent, false), Code: code}) }()
	agent.next(t, "connected")
	tech.next(t, "connected")

	ln.cut()
	select {
	case err := <-agentDone:
		t.Fatalf("agent ended when signaling went away: %v", err)
	case err := <-techDone:
		t.Fatalf("technician ended when signaling went away: %v", err)
	case <-time.After(time.Second):
	}

	hangUp()
	if err := <-techDone; err != nil {
		t.Fatalf("technician: %v", err)
	}
	if err := <-agentDone; err != nil {
		t.Fatalf("agent: %v", err)
	}
	if e := agent.next(t, "ended"); e["reason"] != session.ReasonInterrupted {
		t.Fatalf("agent learned %v, want the technician's reason", e["reason"])
	}
}
