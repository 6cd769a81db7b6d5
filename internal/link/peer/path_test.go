package peer

import (
	"encoding/json"
	"testing"
)

// TestConnectedEventJSON pins the wire form of the "connected" event.
func TestConnectedEventJSON(t *testing.T) {
	tests := []struct {
		name string
		path Path
		want string
	}{
		{"direct", Path{Direct: true, Local: "host", Remote: "srflx", Protocol: "udp",
			DTLSCipher: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", SRTPProfile: "SRTP_AEAD_AES_256_GCM"},
			`{"event":"connected","path":"direct","local":"host","remote":"srflx","protocol":"udp","dtls":"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384","srtp":"SRTP_AEAD_AES_256_GCM"}`},
		{"relayed over tls", Path{Local: "relay", Remote: "prflx", Protocol: "tls", DTLSCipher: "d", SRTPProfile: "s"},
			`{"event":"connected","path":"relayed","local":"relay","remote":"prflx","protocol":"tls","dtls":"d","srtp":"s"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.path.Event())
			check(t, err)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
