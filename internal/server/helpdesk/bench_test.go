package helpdesk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// BenchmarkPageToDesk measures a customer's message from the page's socket
// to the operator's desk, through the hub, against the baseline of the
// same run: a bare WebSocket echo over TLS on the same machine (one
// message out, one back). It reports both and their ratio.
func BenchmarkPageToDesk(b *testing.B) {
	t := b
	td := start(t, func(c *Config) { c.MessageBurst, c.MaxEvents, c.FrameRate, c.FrameBurst = 1<<30, 1<<30, 1<<30, 1<<30 })
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	op := td.operator(t, "alice-token")
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	next(t, op, ofType("history"))
	page := td.customer(t, v, 0)
	echo := echoConn(b)
	ctx := context.Background()

	var hub, base time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		send(t, page, map[string]string{"type": "send", "cid": strconv.Itoa(i), "text": "hello"})
		next(t, op, deskEventOf(chatwire.EventMessage))
		t1 := time.Now()
		echo.Write(ctx, websocket.MessageText, []byte(`{"type":"send","cid":"1","text":"hello"}`))
		echo.Read(ctx)
		t2 := time.Now()
		hub += t1.Sub(t0)
		base += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(hub.Microseconds())/n, "µs/page-to-desk")
	b.ReportMetric(float64(base.Microseconds())/n, "µs/echo-baseline")
	b.ReportMetric(float64(hub)/float64(base), "x-baseline")
}

// echoConn is a client of a bare TLS WebSocket echo server.
func echoConn(b *testing.B) *websocket.Conn {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	c, _, err := websocket.Dial(context.Background(), "wss"+srv.URL[len("https"):], &websocket.DialOptions{HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.CloseNow() })
	return c
}
