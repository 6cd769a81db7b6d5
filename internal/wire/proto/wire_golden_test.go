package proto_test

// The golden files under testdata/wire pin, byte for byte, every message
// docs/wire.md specifies for the signaling WebSocket and the control and
// cursor data channels. Each test encodes a Go value, compares it with its
// file, and decodes the file back. "go test -run TestWireSpec -update"
// rewrites them; a diff there is a wire change, to be written down in
// docs/wire.md in the same commit.

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"

	"github.com/pion/webrtc/v4"
	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

var (
	wireT0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	// wireKey signs the example grant: Ed25519 signatures are
	// deterministic, so the signed grant is too.
	wireKey    = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	wireAgent  = "NdKPx7WBEnSiyvR9rY9ezXsyVlMCQOvr4lFwgkyOR60"
	wireTicket = "Zm9yIGEgc3RhbXBlZCBhZ2VudCBkb3dubG9hZC4uLi4"
	// A side's resume secret (43 base64url characters).
	wireResumeTech = "dGhlIHRlY2huaWNpYW4ncyByZXN1bWUgc2VjcmV0Li4"
	wireICE        = []proto.ICEServer{
		{URLs: []string{"stun:relay.example.com:3478"}},
		{URLs: []string{"turn:relay.example.com:3478?transport=udp", "turns:relay.example.com:443?transport=tcp"},
			Username: "1795600800:5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Credential: "q8d9Yb3mJm0ZlXc5Gf2s0m5rBq4="},
	}
)

func wireGrant(t *testing.T) json.RawMessage {
	t.Helper()
	g := grant.Grant{Operator: "alice", Name: "Alice Martin", Organisation: "Example Ltd",
		Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Issued: wireT0, Expires: wireT0.Add(8 * time.Hour),
		Functions: []grant.Function{grant.RemoteControl, grant.Observe, grant.Chat, grant.Clipboard, grant.FileTransfer}}
	signed, err := grant.Sign(wireKey, g)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// wireSignal is a Signal's data: the JSON of one peer.Signal.
func wireSignal(t *testing.T, s peer.Signal) proto.Signal {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return proto.Signal{Data: b}
}

func ptr[T any](v T) *T { return &v }

// wireEnvelopes lists one example of every envelope: its golden file, its
// type and its body.
func wireEnvelopes(t *testing.T) []struct {
	file string
	typ  proto.Type
	body any
} {
	signed := wireGrant(t)
	grantKey := grant.KeyOf(wireKey)
	offerSDP := "v=0\r\no=- 4215775240449105457 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n…\r\n"
	return []struct {
		file string
		typ  proto.Type
		body any
	}{
		// Signaling WebSocket.
		{"open.json", proto.TypeOpen, proto.Open{Token: "dGhlIHRlY2huaWNpYW4ncyBsb2dpbiB0b2tlbg"}},
		{"opened.json", proto.TypeOpened, proto.Opened{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Code: "123456789",
			Expires: wireT0.Add(10 * time.Minute), ICEServers: wireICE}},
		{"join-code.json", proto.TypeJoin, proto.Join{Code: "123456789", Agent: wireAgent}},
		{"join-ticket.json", proto.TypeJoin, proto.Join{Ticket: wireTicket, Agent: wireAgent}},
		{"joined.json", proto.TypeJoined, proto.Joined{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", ICEServers: wireICE,
			Grant: signed, GrantKey: grantKey}},
		{"joined-no-relay.json", proto.TypeJoined, proto.Joined{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", ICEServers: []proto.ICEServer{}}},
		{"peer-joined.json", proto.TypePeerJoined, proto.PeerJoined{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Agent: wireAgent}},
		{"signal-offer.json", proto.TypeSignal, wireSignal(t, peer.Signal{Description: &webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}})},
		{"signal-answer.json", proto.TypeSignal, wireSignal(t, peer.Signal{Description: &webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: strings.Replace(offerSDP, "2 IN", "3 IN", 1)}})},
		{"signal-candidate.json", proto.TypeSignal, wireSignal(t, peer.Signal{Candidate: &webrtc.ICECandidateInit{
			Candidate: "candidate:1966762134 1 udp 2130706431 192.0.2.10 50123 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr(uint16(0))}})},
		{"bye.json", proto.TypeBye, proto.Bye{Reason: "hangup"}},
		{"resumable.json", proto.TypeResumable, proto.Resumable{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Secret: wireResumeTech}},
		{"resume.json", proto.TypeResume, proto.Resume{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Role: proto.RoleTechnician, Secret: wireResumeTech}},
		{"resumed.json", proto.TypeResumed, proto.Resumed{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f"}},
		{"peer-resumed.json", proto.TypePeerResumed, proto.PeerResumed{Session: "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", Role: proto.RoleAgent}},
		{"error.json", proto.TypeError, proto.ErrorFor(proto.ErrInvalidCode)},
		// Control data channel.
		{"hello.json", proto.TypeHello, proto.Hello{Nonce: "9f86d081884c7d65", Version: "v1.4.0"}},
		{"hello-ack.json", proto.TypeHelloAck, proto.HelloAck{Nonce: "9f86d081884c7d65", Version: "v1.4.0"}},
		{"mode-request.json", proto.TypeModeRequest, proto.ModeRequest{ID: 1, Mode: proto.ModeControl}},
		{"mode-answer.json", proto.TypeModeState, proto.ModeState{Mode: proto.ModeControl, Request: 1, Answer: proto.AnswerAllowed}},
		{"mode-refused.json", proto.TypeModeState, proto.ModeState{Request: 1, Answer: proto.AnswerRefused}},
		{"mode-customer.json", proto.TypeModeState, proto.ModeState{Mode: proto.ModeControl, Paused: true, InputSuspended: true, AppsOnly: true}},
		{"screen-info.json", proto.TypeScreenInfo, proto.ScreenInfo{Current: 1, Monitors: []proto.Monitor{
			{ID: 1, Name: "DP-1", Width: 2560, Height: 1440, Primary: true},
			{ID: 2, Name: "HDMI-1", X: 2560, Y: 180, Width: 1920, Height: 1080}}}},
		{"select-monitor.json", proto.TypeSelectMonitor, proto.SelectMonitor{ID: 0}},
		{"frame.json", proto.TypeFrameInfo, proto.FrameInfo{RTPTime: 3000000000, Captured: wireT0.UnixNano() + 16_666_667, Bytes: 18345, Keyframe: true}},
		{"clipboard.json", proto.TypeClipboard, proto.Clipboard{Text: "ticket #4711: \"printer\" <offline> & ☕"}},
		{"clipboard-piece.json", proto.TypeClipboard, proto.Clipboard{Text: "first 8 KiB…", More: true}},
		{"clipboard-get.json", proto.TypeClipboardGet, proto.ClipboardGet{}},
		{"cursor-shape-msg.json", proto.TypeCursorShape, proto.CursorShapeMsg{Data: wireShapeBytes}},
	}
}

// TestWireSpecEnvelopes pins every envelope's JSON and decodes each golden
// file back into its body type.
func TestWireSpecEnvelopes(t *testing.T) {
	for _, tc := range wireEnvelopes(t) {
		t.Run(tc.file, func(t *testing.T) {
			got, err := proto.Encode(tc.typ, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			want := wiretest.Golden(t, tc.file, append(got, '\n'))
			env, err := proto.Decode(bytes.TrimSuffix(want, []byte("\n")))
			if err != nil || env.Type != tc.typ {
				t.Fatalf("Decode = %+v, %v", env, err)
			}
			back, err := wireBody(env)
			if err != nil {
				t.Fatalf("body: %v", err)
			}
			if !reflect.DeepEqual(back, tc.body) {
				t.Errorf("decoded %#v\nwant    %#v", back, tc.body)
			}
		})
	}
}

// wireBody decodes env's body into the type its Type names, as the
// receivers do (unknown fields refused).
func wireBody(env proto.Envelope) (any, error) {
	switch env.Type {
	case proto.TypeOpen:
		return proto.Body[proto.Open](env)
	case proto.TypeOpened:
		return proto.Body[proto.Opened](env)
	case proto.TypeJoin:
		return proto.Body[proto.Join](env)
	case proto.TypeJoined:
		return proto.Body[proto.Joined](env)
	case proto.TypePeerJoined:
		return proto.Body[proto.PeerJoined](env)
	case proto.TypeSignal:
		return proto.Body[proto.Signal](env)
	case proto.TypeBye:
		return proto.Body[proto.Bye](env)
	case proto.TypeResumable:
		return proto.Body[proto.Resumable](env)
	case proto.TypeResume:
		return proto.Body[proto.Resume](env)
	case proto.TypeResumed:
		return proto.Body[proto.Resumed](env)
	case proto.TypePeerResumed:
		return proto.Body[proto.PeerResumed](env)
	case proto.TypeError:
		return proto.Body[proto.Error](env)
	case proto.TypeHello:
		return proto.Body[proto.Hello](env)
	case proto.TypeHelloAck:
		return proto.Body[proto.HelloAck](env)
	case proto.TypeModeRequest:
		return proto.Body[proto.ModeRequest](env)
	case proto.TypeModeState:
		return proto.Body[proto.ModeState](env)
	case proto.TypeScreenInfo:
		return proto.Body[proto.ScreenInfo](env)
	case proto.TypeSelectMonitor:
		return proto.Body[proto.SelectMonitor](env)
	case proto.TypeFrameInfo:
		return proto.Body[proto.FrameInfo](env)
	case proto.TypeClipboard:
		return proto.Body[proto.Clipboard](env)
	case proto.TypeClipboardGet:
		return proto.Body[proto.ClipboardGet](env)
	case proto.TypeCursorShape:
		return proto.Body[proto.CursorShapeMsg](env)
	}
	return nil, fmt.Errorf("no body type for %q", env.Type)
}

// TestWireSpecSignalData pins the signal payloads as the peer link reads
// them: exactly one of description and candidate.
func TestWireSpecSignalData(t *testing.T) {
	for _, tc := range wireEnvelopes(t) {
		sig, ok := tc.body.(proto.Signal)
		if !ok {
			continue
		}
		var s peer.Signal
		if err := json.Unmarshal(sig.Data, &s); err != nil || (s.Description == nil) == (s.Candidate == nil) {
			t.Errorf("%s: data %s reads as %+v, %v", tc.file, sig.Data, s, err)
		}
	}
}

// TestWireSpecGrant pins the grant inside Joined: its signature verifies
// with the grant key Joined names.
func TestWireSpecGrant(t *testing.T) {
	signed := wireGrant(t)
	g, err := grant.Verify(wireKey.Public().(ed25519.PublicKey), signed, "5f0c2a3e9b7d4c1a8e6f0b2d4a6c8e0f", wireT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wiretest.Golden(t, "grant-payload.hex", []byte(hex.Dump(grant.Encode(g))))
}

// TestWireSpecErrorCodes pins the error codes and the messages the server
// sends with them.
func TestWireSpecErrorCodes(t *testing.T) {
	var b strings.Builder
	for _, sentinel := range []error{proto.ErrBadRequest, proto.ErrUnauthorized, proto.ErrInvalidCode,
		proto.ErrThrottled, proto.ErrVersion, proto.ErrServerBusy, proto.ErrRefused, proto.ErrInternal} {
		e := proto.ErrorFor(sentinel)
		fmt.Fprintf(&b, "%-13s %s\n", e.Code, e.Message)
		if !errors.Is(e.Err(), sentinel) {
			t.Errorf("code %s does not map back to %v", e.Code, sentinel)
		}
	}
	wiretest.Golden(t, "error-codes.txt", []byte(b.String()))
}

// wireShapeBytes is a 2×2 pointer shape, hot spot (1,0), whose pixels are
// one stored DEFLATE block, so its bytes do not depend on a compressor.
var wireShapeBytes = func() []byte {
	b := []byte{2, 0, 0, 0, 0, 42, 0, 2, 0, 2, 0, 1, 0, 0} // kind, flags, serial 42, 2×2, hot spot 1,0
	pix := []byte{0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 128, 0, 0, 128}
	b = append(b, 0x01, 16, 0, 0xef, 0xff) // final stored block, LEN 16, NLEN
	return append(b, pix...)
}()

var wireShape = proto.CursorShape{Serial: 42, W: 2, H: 2, HotX: 1,
	Pix: []byte{0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 128, 0, 0, 128}}

// TestWireSpecCursor pins the cursor channel's position and the shape
// carried in cursor-shape. The shape's DEFLATE stream is whatever the
// encoder makes; its header and its pixels must match.
func TestWireSpecCursor(t *testing.T) {
	for _, tc := range []struct {
		file string
		pos  proto.CursorPos
	}{
		{"cursor-pos.hex", proto.CursorPos{Seq: 0x0102, Serial: 42, X: 1919, Y: -3}},
		{"cursor-pos-hidden.hex", proto.CursorPos{Seq: 0x0103, Hidden: true, Serial: 42}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := wiretest.Undump(t, wiretest.Golden(t, tc.file, []byte(hex.Dump(proto.AppendCursorPos(nil, tc.pos)))))
			back, err := proto.DecodeCursorPos(want)
			if err != nil || back != tc.pos {
				t.Fatalf("DecodeCursorPos = %+v, %v; want %+v", back, err, tc.pos)
			}
		})
	}
	t.Run("cursor-shape.hex", func(t *testing.T) {
		want := wiretest.Undump(t, wiretest.Golden(t, "cursor-shape.hex", []byte(hex.Dump(wireShapeBytes))))
		back, err := proto.DecodeCursorShape(want)
		if err != nil || !reflect.DeepEqual(back, wireShape) {
			t.Fatalf("DecodeCursorShape = %+v, %v; want %+v", back, err, wireShape)
		}
		enc, err := proto.AppendCursorShape(nil, wireShape)
		if err != nil || !bytes.Equal(enc[:14], want[:14]) {
			t.Fatalf("AppendCursorShape header = % x, %v; want % x", enc[:min(len(enc), 14)], err, want[:14])
		}
		if again, err := proto.DecodeCursorShape(enc); err != nil || !reflect.DeepEqual(again, wireShape) {
			t.Fatalf("encoded shape decodes as %+v, %v", again, err)
		}
	})
}

// TestWireSpecDocumented checks that docs/wire.md names every golden file
// under any package's testdata/wire, so that none is pinned but unexplained.
func TestWireSpecDocumented(t *testing.T) {
	root := wireRepoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "wire.md"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"internal/*/testdata/wire/*", "internal/*/*/testdata/wire/*"} {
		found, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, found...)
	}
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	for _, f := range files {
		if name := filepath.Base(f); !bytes.Contains(doc, []byte(name+"`")) {
			rel, _ := filepath.Rel(root, f)
			t.Errorf("docs/wire.md does not name %s", rel)
		}
	}
}

// wireRepoRoot is the directory holding go.mod, above this package.
func wireRepoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
