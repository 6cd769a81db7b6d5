// Package peer is the one WebRTC link that both the technician and the agent
// use: a pion PeerConnection with Tandem's cipher policy, five pre-agreed data
// channels, path reporting and ICE restart, behind a transport-agnostic
// signaling hook.
//
// # Flow
//
// Both sides build a Link from a Config; signaling is the caller's business.
// Every local description and every trickled ICE candidate is handed, in
// order, to Config.Send, and whatever the other side sent is fed to
// HandleSignal.
//
//   - Offer/answer: the Offerer (the technician) calls Start, which creates
//     the offer. The Answerer's Start does nothing; when the offer arrives
//     through HandleSignal it answers. Candidates that arrive before the
//     remote description are buffered and applied once it is set.
//   - Trickle: candidates are sent as they are gathered; a description is
//     always sent before the candidates of its ICE generation.
//   - Channels: "control", "input", "file", "chat" and "cursor" are
//     negotiated out of band with SCTP stream IDs 0..4, so both sides hold
//     them from New on and nobody waits for OnDataChannel. All but "cursor"
//     are ordered and reliable; "input" stays reliable because a lost key-up
//     is worse than a late one. "cursor" (the remote pointer's position,
//     where only the latest counts) is unordered and never retransmits.
//   - Express lane: the Offerer's offer also carries an m=audio section on
//     which both sides send the control, input and chat channels' messages
//     as RTP with their own acknowledgements (express.go), so that they
//     never wait out SCTP's retransmission timeouts under loss; an answer
//     that rejects it (an older agent) or an offer without it (an older
//     technician, a browser) leaves every channel on SCTP. Send and Recv
//     are the same either way.
//   - Connected: Connected fires once ICE and DTLS are up and the control
//     channel is open; Path then reports the selected candidate pair and the
//     negotiated DTLS cipher suite and SRTP profile.
//   - Restart: when ICE reports failed, or stays disconnected longer than
//     Config.RestartAfter, the Offerer sends a new offer with ICE restart and
//     the Answerer answers it. The Link, its DTLS session, SCTP association and
//     data channels stay the same objects. If no path comes back within
//     Config.GiveUpAfter the link fails with ErrPathLost.
//   - Close: Close tears the PeerConnection down gracefully (DTLS
//     close_notify, TURN allocation released); the other side sees its Done
//     fire with ErrRemoteClosed. A DTLS failure, such as a certificate that
//     does not match the signaled fingerprint, fails the link at once; no
//     data-channel message is ever delivered without a verified peer.
//
// # Policy
//
// DTLS offers and accepts TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, which two
// of our own peers pick, and TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, which a
// browser console gets (Chromium offers no DTLS 1.2 AES-256-GCM suite);
// an ECDSA P-256 certificate, the extended master secret required, and SRTP
// SRTP_AEAD_AES_256_GCM only. After every handshake the link reads the
// negotiated suite and profile and fails with ErrWeakCipher, before it
// reports connected, if either is not one of these.
// pion always offers use_srtp in its DTLS handshake and refuses a handshake
// without an SRTP profile, so the profile is negotiated even when only data
// channels are in the session; no media section is needed for it.
//
// The TLS hops the link opens itself, to a turns: relay (ours or a third
// party's, such as coturn) and to an HTTPS proxy, are held to the policy of
// Tandem's TLS listeners: AES-256-GCM only (internal/link/tlspolicy, whose init
// narrows crypto/tls's TLS 1.3 offer for the whole process; see turntls.go).
package peer
