package login

import "testing"

// Each response decoder the client uses must reject or accept any input
// without panicking, and what it accepts must satisfy its own limits.
// (The request decoders are fuzzed with the server, in package auth.)

func FuzzDecodeStartResponse(f *testing.F) {
	f.Add([]byte(`{"login_id":"abc","server_first":"r=abc,s=AAAA,i=4096"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeStartResponse(b); err == nil && (m.LoginID == "" || m.ServerFirst == "") {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzDecodeFinishResponse(f *testing.F) {
	f.Add([]byte(`{"server_final":"v=AAAA","token":"tdm_x","expires":"2025-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeFinishResponse(b); err == nil && (m.Token == "" || m.Expires.IsZero()) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzDecodeErrorResponse(f *testing.F) {
	f.Add([]byte(`{"code":"login_failed","error":"login failed"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		errorFromWire(400, b)
	})
}
