package peer

import (
	"context"
	"errors"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/webrtc/v4"
)

// TestCipherPolicy checks what a user would see in the "connected" event:
// AES-256-GCM for DTLS and SRTP, on both sides, and that the DTLS server
// agreed to the extended master secret.
func TestCipherPolicy(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
	ctx := testContext(t, 30*time.Second)
	var emsOffered, emsAgreed atomic.Int32
	observe := func(se *webrtc.SettingEngine) {
		se.SetDTLSClientHelloMessageHook(func(m handshake.MessageClientHello) handshake.Message {
			if hasEMS(m.Extensions) {
				emsOffered.Add(1)
			}
			return &m
		})
		se.SetDTLSServerHelloMessageHook(func(m handshake.MessageServerHello) handshake.Message {
			if hasEMS(m.Extensions) {
				emsAgreed.Add(1)
			}
			return &m
		})
	}
	p := newPairTweaked(t, Config{Net: w.net0}, Config{Net: w.net1}, nil, observe, observe)
	po, pa := p.connect(ctx, t)
	for _, path := range []Path{po, pa} {
		if path.DTLSCipher != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" || path.SRTPProfile != "SRTP_AEAD_AES_256_GCM" {
			t.Errorf("negotiated %q / %q, want AES-256-GCM for both", path.DTLSCipher, path.SRTPProfile)
		}
	}
	if emsOffered.Load() == 0 || emsAgreed.Load() == 0 {
		t.Errorf("extended master secret: offered %d times, agreed %d times", emsOffered.Load(), emsAgreed.Load())
	}
	roundTrip(ctx, t, p.off, p.ans)
}

func hasEMS(exts []extension.Extension) bool {
	for _, e := range exts {
		if ems, ok := e.(*extension.UseExtendedMasterSecret); ok && ems.Supported {
			return true
		}
	}
	return false
}

// TestPolicyRefusesWeakerPeer plays a peer that will not meet the policy
// and checks that our side refuses the handshake rather than settling.
func TestPolicyRefusesWeakerPeer(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(*webrtc.SettingEngine)
	}{
		{"AES-128 DTLS only", func(se *webrtc.SettingEngine) {
			se.SetDTLSCipherSuites(dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
		}},
		{"AES-128 SRTP only", func(se *webrtc.SettingEngine) {
			se.SetSRTPProtectionProfiles(dtls.SRTP_AES128_CM_HMAC_SHA1_80)
		}},
		{"no extended master secret", func(se *webrtc.SettingEngine) {
			se.SetDTLSExtendedMasterSecret(dtls.DisableExtendedMasterSecret)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
			ctx := testContext(t, 30*time.Second)
			p := newPairTweaked(t, Config{Net: w.net0}, Config{Net: w.net1}, nil, nil, tt.tweak)
			check(t, p.off.Start(ctx))
			for _, l := range []*Link{p.off, p.ans} {
				waitDone(ctx, t, l)
			}
			if !errors.Is(p.off.Err(), ErrHandshake) {
				t.Errorf("our side ended with %v, want %v", p.off.Err(), ErrHandshake)
			}
			select {
			case <-p.off.Connected():
				t.Error("our side reported connected")
			default:
			}
		})
	}
}

var fingerprintLine = regexp.MustCompile(`a=fingerprint:sha-256 ([0-9A-F]{2})`)

// tamperFingerprint changes the first byte of every sha-256 fingerprint in
// descriptions sent by side.
func tamperFingerprint(side Role) signalHook {
	return func(from Role, s Signal) (Signal, bool) {
		if from != side || s.Description == nil {
			return s, true
		}
		d := *s.Description
		d.SDP = fingerprintLine.ReplaceAllStringFunc(d.SDP, func(m string) string {
			b := []byte(m)
			if b[len(b)-1] == '0' {
				b[len(b)-1] = '1'
			} else {
				b[len(b)-1] = '0'
			}
			return string(b)
		})
		if d.SDP == s.Description.SDP {
			panic("no fingerprint to tamper with")
		}
		return Signal{Description: &d}, true
	}
}

// TestWrongFingerprint tampers with the fingerprint in transit: the link must
// fail and not one of the messages the offerer keeps sending may arrive.
func TestWrongFingerprint(t *testing.T) {
	for _, side := range []Role{Offerer, Answerer} {
		t.Run("in the "+side.String()+"'s description", func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
			ctx := testContext(t, 30*time.Second)
			p := newPair(t, Config{Net: w.net0}, Config{Net: w.net1}, tamperFingerprint(side))
			var sent atomic.Int32
			sendDone := make(chan struct{})
			go func() { // stops once the channel refuses (closed) or ctx ends
				defer close(sendDone)
				for p.off.Channel(ChannelControl).Send(ctx, []byte("secret")) == nil {
					sent.Add(1)
				}
			}()
			check(t, p.off.Start(ctx))
			waitDone(ctx, t, p.off)
			waitDone(ctx, t, p.ans)
			<-sendDone
			for _, l := range []*Link{p.off, p.ans} {
				if l.Err() == nil || errors.Is(l.Err(), ErrClosed) {
					t.Errorf("link ended with %v, want a failure", l.Err())
				}
			}
			if n := received(p.ans); n != 0 || sent.Load() != 0 {
				t.Errorf("%d messages sent, %d delivered; want 0 and 0", sent.Load(), n)
			}
		})
	}
}

// received counts the messages queued on every channel of l.
func received(l *Link) int {
	n := 0
	for _, c := range l.channels {
		n += len(c.recv)
	}
	return n
}

func waitDone(ctx context.Context, t *testing.T, l *Link) {
	t.Helper()
	select {
	case <-l.Done():
	case <-ctx.Done():
		t.Fatalf("%s: link still up: %v", l.cfg.Role, ctx.Err())
	}
}

// TestBrowserSuite plays a peer that offers only AES-256-CBC-SHA in DTLS,
// as Chromium does: the link comes up with it, SRTP still AES-256-GCM.
func TestBrowserSuite(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
	ctx := testContext(t, 30*time.Second)
	browserLike := func(se *webrtc.SettingEngine) {
		se.SetDTLSCipherSuites(dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)
	}
	p := newPairTweaked(t, Config{Net: w.net0}, Config{Net: w.net1}, nil, nil, browserLike)
	po, pa := p.connect(ctx, t)
	for _, path := range []Path{po, pa} {
		if path.DTLSCipher != "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" || path.SRTPProfile != "SRTP_AEAD_AES_256_GCM" {
			t.Errorf("negotiated %q / %q, want AES-256-CBC-SHA and AES-256-GCM", path.DTLSCipher, path.SRTPProfile)
		}
	}
	roundTrip(ctx, t, p.off, p.ans)
}

// TestWeakCipherAfterHandshake: should pion ever let an AES-128 suite
// through (both sides here are tweaked to allow one), the check after the
// handshake ends the link with ErrWeakCipher before either side reports
// connected.
func TestWeakCipherAfterHandshake(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(*webrtc.SettingEngine)
	}{
		{"AES-128 DTLS", func(se *webrtc.SettingEngine) {
			se.SetDTLSCipherSuites(dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
		}},
		{"AES-128 SRTP", func(se *webrtc.SettingEngine) {
			se.SetSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: fullCone, sameLAN: true})
			ctx := testContext(t, 30*time.Second)
			// Without the express lane: a link with any RTP receiver (the
			// lane's, or video's) meets a race inside pion when it closes
			// while the other side reads its stats (PeerConnection.close
			// clears statsGetter unlocked while GetStats hands it to the
			// receivers; pion nil-checks it), and here each side closes
			// the link the moment its own check of the other's cipher
			// fails, so the race detector sees it.
			p := newPairTweaked(t, Config{Net: w.net0, noExpress: true}, Config{Net: w.net1, noExpress: true}, nil, tt.tweak, tt.tweak)
			check(t, p.off.Start(ctx))
			weak := 0
			for _, l := range []*Link{p.off, p.ans} {
				waitDone(ctx, t, l)
				if errors.Is(l.Err(), ErrWeakCipher) {
					weak++
				}
				select {
				case <-l.Connected():
					t.Errorf("%s reported connected", l.cfg.Role)
				default:
				}
			}
			// The first side to check closes the link; the other may
			// see that close before its own check.
			if weak == 0 {
				t.Errorf("links ended with %v and %v, want one %v", p.off.Err(), p.ans.Err(), ErrWeakCipher)
			}
		})
	}
}

func TestCheckProtection(t *testing.T) {
	for _, tt := range []struct {
		dtls, srtp string
		ok         bool
	}{
		{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "SRTP_AEAD_AES_256_GCM", true},
		{"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "SRTP_AEAD_AES_256_GCM", true},
		{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "SRTP_AEAD_AES_256_GCM", false},
		{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "SRTP_AEAD_AES_128_GCM", false},
		{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "SRTP_AES128_CM_HMAC_SHA1_80", false},
		{"", "", false},
	} {
		if err := checkProtection(tt.dtls, tt.srtp); (err == nil) != tt.ok {
			t.Errorf("checkProtection(%q, %q) = %v, want ok %v", tt.dtls, tt.srtp, err, tt.ok)
		}
	}
}
