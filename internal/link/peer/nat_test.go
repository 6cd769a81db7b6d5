package peer

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// TestNATMatrix connects two links across virtual NATs and checks that the
// path is direct wherever a direct path exists, relayed (through TURN with
// REST credentials) where it does not, and that "control" carries messages
// both ways.
func TestNATMatrix(t *testing.T) {
	relay := webrtc.ICECandidateTypeRelay.String()
	host := webrtc.ICECandidateTypeHost.String()
	tests := []struct {
		name      string
		spec      worldSpec
		relayOnly bool
		direct    bool
		local     string // expected candidate types on the offerer, "" = any
		remote    string
	}{
		{name: "same LAN", spec: worldSpec{nat0: fullCone, sameLAN: true}, direct: true, local: host, remote: host},
		{name: "full cone both", spec: worldSpec{nat0: fullCone, nat1: fullCone}, direct: true},
		{name: "port restricted both", spec: worldSpec{nat0: portRestrict, nat1: portRestrict}, direct: true},
		{name: "symmetric one side", spec: worldSpec{nat0: symmetric, nat1: fullCone}, direct: true},
		{name: "symmetric both", spec: worldSpec{nat0: symmetric, nat1: symmetric}, direct: false},
		{name: "relay only", spec: worldSpec{nat0: fullCone, sameLAN: true}, relayOnly: true, direct: false, local: relay, remote: relay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, tt.spec)
			ctx := testContext(t, 30*time.Second)
			a := Config{Net: w.net0, ICEServers: iceServers(t), RelayOnly: tt.relayOnly}
			b := Config{Net: w.net1, ICEServers: iceServers(t), RelayOnly: tt.relayOnly}
			p := newPair(t, a, b, nil)
			start := time.Now()
			po, pa := p.connect(ctx, t)
			t.Logf("connected in %v", time.Since(start).Round(time.Millisecond)) // for the eye, not asserted
			t.Logf("offerer: %s", po)
			t.Logf("answerer: %s", pa)
			for _, path := range []Path{po, pa} {
				if path.Direct != tt.direct {
					t.Errorf("path %s: direct = %v, want %v", path, path.Direct, tt.direct)
				}
				if !tt.direct && path.Local != relay && path.Remote != relay {
					t.Errorf("path %s: relayed, yet no relay candidate", path)
				}
			}
			if tt.local != "" && (po.Local != tt.local || po.Remote != tt.remote) {
				t.Errorf("offerer candidates %s/%s, want %s/%s", po.Local, po.Remote, tt.local, tt.remote)
			}
			roundTrip(ctx, t, p.off, p.ans)
		})
	}
}
