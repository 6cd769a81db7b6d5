package peer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/tandem-remote/tandem/internal/link/pionlog"
)

// The cipher policy: AES-256 only, so a peer that cannot do it fails the
// handshake instead of silently settling for something weaker.
// DTLSCipherSuite is what two of our own peers negotiate: it is first in
// DTLSCipherSuites. A browser gets the second: Chromium's WebRTC offers no
// DTLS 1.2 AES-256-GCM suite, only AES-256-CBC with an HMAC-SHA1 record
// MAC (DTLS drops a record that fails it silently). SRTP is AEAD
// AES-256-GCM whoever the peer is.
const (
	DTLSCipherSuite = dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	SRTPProfile     = dtls.SRTP_AEAD_AES_256_GCM
)

// srtpProfileName is SRTPProfile as pion's transport stats name it.
const srtpProfileName = "SRTP_AEAD_AES_256_GCM"

// DTLSCipherSuites are the DTLS suites offered and accepted, preferred
// first.
var DTLSCipherSuites = []dtls.CipherSuiteID{DTLSCipherSuite, dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}

// ErrWeakCipher ends a link whose negotiated DTLS suite or SRTP profile is
// not one of the policy's: never expected, since nothing else is offered,
// but checked after every handshake so that a change in pion's defaults
// cannot quietly weaken a session.
var ErrWeakCipher = errors.New("peer: the link negotiated a cipher weaker than AES-256")

// checkProtection reports ErrWeakCipher unless dtlsSuite and srtpProfile,
// as pion's transport stats name them, are in the policy.
func checkProtection(dtlsSuite, srtpProfile string) error {
	okDTLS := false
	for _, s := range DTLSCipherSuites {
		okDTLS = okDTLS || dtlsSuite == dtls.CipherSuiteName(s)
	}
	if !okDTLS || srtpProfile != srtpProfileName {
		return fmt.Errorf("%w: DTLS %q, SRTP %q", ErrWeakCipher, dtlsSuite, srtpProfile)
	}
	return nil
}

// srtpReplayWindow covers the largest keyframe plus the time NACK takes.
const srtpReplayWindow = 4096

// settingEngine returns the SettingEngine carrying the cipher policy and the
// network options of cfg, with relays (nil: none) dialing TCP and TLS
// relays. Certificate fingerprint verification is never
// disabled.
func settingEngine(cfg Config, relays *relayDialer, tweak func(*webrtc.SettingEngine)) webrtc.SettingEngine {
	var se webrtc.SettingEngine
	se.SetDTLSCipherSuites(DTLSCipherSuites...)
	se.SetSRTPProtectionProfiles(SRTPProfile)
	se.SetDTLSExtendedMasterSecret(dtls.RequireExtendedMasterSecret)
	se.SetICETimeouts(cfg.DisconnectedTimeout, cfg.FailedTimeout, cfg.KeepaliveInterval)
	// A 1080p keyframe is hundreds of packets; a retransmission (NACK) of
	// one lost early in it arrives far behind the newest sequence number.
	// With SRTP's default 64-packet replay window it would be discarded as
	// too old, and the keyframe never completes.
	se.SetSRTPReplayProtectionWindow(srtpReplayWindow)
	// SCTP doubles its retransmission timeout on every loss, up to 60 s
	// by default: after a network cut of some seconds the channels'
	// next retransmission (chat, input, a file) could come a minute after
	// the network is back. Capped, it comes within sctpRTOMax.
	se.SetSCTPRTOMax(sctpRTOMax)
	// Host candidates carry real addresses: mDNS names would only slow
	// pion-to-pion links down and need multicast, which vnet lacks.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	setAcceptanceWaits(&se, cfg)
	se.LoggerFactory = pionlog.Factory{Log: cfg.Logger, Demote: true}
	if cfg.Net != nil {
		se.SetNet(cfg.Net)
	}
	tuneThroughput(&se, cfg)
	if relays != nil {
		se.SetICEProxyDialer(relays)
	}
	if tweak != nil {
		tweak(&se)
	}
	return se
}

// rtcConfiguration returns the PeerConnection configuration: ICE servers,
// transport policy and a fresh ECDSA P-256 certificate.
func rtcConfiguration(cfg Config) (webrtc.Configuration, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return webrtc.Configuration{}, fmt.Errorf("generate dtls key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return webrtc.Configuration{}, fmt.Errorf("generate dtls certificate: %w", err)
	}
	policy := webrtc.ICETransportPolicyAll
	if cfg.RelayOnly {
		policy = webrtc.ICETransportPolicyRelay
	}
	return webrtc.Configuration{
		ICEServers:         cfg.ICEServers,
		ICETransportPolicy: policy,
		Certificates:       []webrtc.Certificate{*cert},
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy:      webrtc.RTCPMuxPolicyRequire,
	}, nil
}
