package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

// TestRelayBlockFeed: a customer block an administrator adds on the
// signaling server reaches a standalone relay. turnrelay polls the
// server's block feed with the shared TURN secret and refuses an
// allocation from the blocked address; once the block is lifted the same
// client allocates again. Its metrics say both feeds are up.
func TestRelayBlockFeed(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	secretFile := filepath.Join(srv.data, "turn-secret")
	relay := start(t, b["turnrelay"], nil, "-udp", "127.0.0.1:0", "-tcp", "", "-tls", "", "-metrics", "127.0.0.1:0",
		"-secret-file", secretFile, "-relay-ports", "41000-41100",
		"-block-feed", srv.url, "-block-feed-ca", srv.ca, "-block-feed-every", "200ms")
	var udp, metrics string
	for deadline := time.Now().Add(20 * time.Second); udp == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := regexp.MustCompile(`TURN on udp (\S+),.*metrics (\S+);.*block feed https://`).FindStringSubmatch(relay.output()); m != nil {
			udp, metrics = m[1], m[2]
		}
	}
	if udp == "" {
		t.Fatalf("turnrelay did not start\n%s\n%s", relay.output(), relay.stderr.String())
	}
	raw, err := os.ReadFile(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(strings.TrimSpace(string(raw)))
	var tries int
	allocate := func() error {
		tries++ // a credential each: the per-credential quota never answers for the block
		cred, err := turncred.Issue(secret, fmt.Sprintf("feed-test-%d", tries), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: udp, TURNServerAddr: udp, Conn: pc,
			Username: cred.Username, Password: cred.Password, Realm: "tandem", RTO: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Listen(); err != nil {
			t.Fatal(err)
		}
		relayed, err := c.Allocate()
		if err == nil {
			relayed.Close()
		}
		return err
	}
	waitFor := func(what string, ok func(error) bool) {
		t.Helper()
		var err error
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if err = allocate(); ok(err) {
				return
			}
		}
		t.Fatalf("%s: the last allocation said %v\nrelay:\n%s", what, err, relay.stderr.String())
	}
	waitFor("before any block the relay allocates", func(err error) bool { return err == nil })

	add := srv.admin(t, b, "", "block", "add", "-permanent", "-reason", "abuse", "127.0.0.1")
	id := regexp.MustCompile(`^block (\d+):`).FindStringSubmatch(add)
	if id == nil {
		t.Fatalf("block add said %q", add)
	}
	// Refused as a full quota (486), not any failure: under load a slow
	// answer makes the client retransmit, and the retransmission's 437
	// (the allocation exists) is no refusal.
	waitFor("once blocked the relay refuses", func(err error) bool { return err != nil && strings.Contains(err.Error(), "error 486") })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(relay.stderr.String(), "allocation refused: client blocked"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) { // its stderr is copied apart from the answer
			t.Errorf("the relay's log does not say why it refused:\n%s", relay.stderr.String())
			break
		}
	}
	srv.admin(t, b, "", "block", "remove", id[1])
	waitFor("once unblocked the relay allocates again", func(err error) bool { return err == nil })
	feedsUp(t, metrics)
}

// feedsUp fails t unless the relay's metrics at url say that both its
// feeds (blocks, ended sessions) had a good answer and the last poll
// worked.
func feedsUp(t *testing.T, url string) {
	t.Helper()
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
		if strings.Contains(body, `tandem_turn_feed_up{feed="blocks"} 1`) && strings.Contains(body, `tandem_turn_feed_up{feed="ended"} 1`) {
			if regexp.MustCompile(`tandem_turn_feed_last_success_timestamp_seconds\{feed="blocks"\} [1-9]`).MatchString(body) {
				return
			}
		}
	}
	t.Errorf("the relay's metrics do not show both feeds up:\n%s", body)
}
