package peer

// Golden files for docs/wire.md: the data channels every link negotiates
// (label, SCTP stream ID, reliability) and the shape of the offer the
// technician sends, with what changes per link masked. Both come from the
// real code: openChannels on a PeerConnection, and a Link's own offer.
// "go test -run TestWireSpec -update" rewrites them.

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

// -update rewrites the golden files (package wiretest).
var _ = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestWireSpecChannels pins the pre-negotiated data channels.
func TestWireSpecChannels(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	chans, err := openChannels(pc)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %-2s %-10s %-7s %s\n", "label", "id", "negotiated", "ordered", "maxRetransmits")
	for _, name := range channelIDs {
		dc := chans[name].dc
		retr := "unlimited"
		if r := dc.MaxRetransmits(); r != nil {
			retr = fmt.Sprint(*r)
		}
		fmt.Fprintf(&b, "%-8s %-2d %-10v %-7v %s\n", dc.Label(), *dc.ID(), dc.Negotiated(), dc.Ordered(), retr)
	}
	wiretest.Golden(t, "channels.txt", []byte(b.String()))
}

// sdpMasks hide what differs between two offers of the same build.
var sdpMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^o=- \d+ \d+`), "o=- SESSION-ID VERSION"},
	{regexp.MustCompile(`(?m)^a=ice-ufrag:.*$`), "a=ice-ufrag:UFRAG"},
	{regexp.MustCompile(`(?m)^a=ice-pwd:.*$`), "a=ice-pwd:PASSWORD"},
	{regexp.MustCompile(`(?m)^a=fingerprint:sha-256 .*$`), "a=fingerprint:sha-256 FINGERPRINT"},
	{regexp.MustCompile(`(?m)^a=msid:\S+ \S+$`), "a=msid:STREAM TRACK"},
	{regexp.MustCompile(`(?m)^a=ssrc:\d+`), "a=ssrc:SSRC"},
	{regexp.MustCompile(`(?m)^a=ssrc-group:FID \d+ \d+`), "a=ssrc-group:FID SSRC RTX-SSRC"},
	{regexp.MustCompile(`(?m) cname:\S+$`), " cname:CNAME"},
	{regexp.MustCompile(`(?m) msid:\S+ \S+$`), " msid:STREAM TRACK"},
	{regexp.MustCompile(`(?m)^a=group:LS .*$`), "a=group:LS STREAMS"},
	{regexp.MustCompile(`(?m)^a=msid-semantic: WMS.*$`), "a=msid-semantic: WMS STREAMS"},
	{regexp.MustCompile(`(?m)^a=candidate:.*\r\n`), ""},
	{regexp.MustCompile(`(?m)^a=end-of-candidates\r\n`), ""},
}

// TestWireSpecOffer pins the technician's offer: one video section (VP8,
// VP9 and their feedback) and one data section, BUNDLE, DTLS role, SCTP.
func TestWireSpecOffer(t *testing.T) {
	offers := make(chan Signal, 8)
	l, err := New(Config{Role: Offerer, Video: VideoBoth, Send: func(s Signal) error {
		offers <- s
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sdp string
	timeout := time.After(10 * time.Second)
	for sdp == "" {
		select {
		case s := <-offers:
			if s.Description != nil {
				sdp = s.Description.SDP
			}
		case <-timeout:
			t.Fatal("no offer")
		}
	}
	for _, m := range sdpMasks {
		sdp = m.re.ReplaceAllString(sdp, m.with)
	}
	wiretest.Golden(t, "offer.sdp", []byte(sortExtmaps(strings.ReplaceAll(sdp, "\r\n", "\n"))))
}

// sortExtmaps sorts each run of a=extmap lines: pion writes them in map
// order, which changes from one offer to the next.
func sortExtmaps(sdp string) string {
	lines := strings.Split(sdp, "\n")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && strings.HasPrefix(lines[j], "a=extmap:") {
			j++
		}
		slices.Sort(lines[i:j])
		i = max(j, i+1)
	}
	return strings.Join(lines, "\n")
}
