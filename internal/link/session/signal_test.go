package session

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func TestDecodeSignal(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		ok   bool
	}{
		{"description", `{"v":1,"type":"signal","body":{"data":{"description":{"type":"offer","sdp":"v=0\r\n"}}}}`, true},
		{"candidate", `{"v":1,"type":"signal","body":{"data":{"candidate":{"candidate":"candidate:1 1 udp 1 192.0.2.1 5000 typ host"}}}}`, true},
		{"both", `{"v":1,"type":"signal","body":{"data":{"description":{"type":"offer","sdp":""},"candidate":{"candidate":""}}}}`, false},
		{"neither", `{"v":1,"type":"signal","body":{"data":{}}}`, false},
		{"bad sdp type", `{"v":1,"type":"signal","body":{"data":{"description":{"type":"bogus","sdp":""}}}}`, false},
		{"not an object", `{"v":1,"type":"signal","body":{"data":[1,2]}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := proto.Decode([]byte(tc.msg))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeSignal(env); (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// FuzzDecodeSignal: whatever the other peer sends through the server,
// decoding never panics and yields exactly one of description or candidate.
func FuzzDecodeSignal(f *testing.F) {
	f.Add([]byte(`{"description":{"type":"answer","sdp":"v=0\r\n"}}`))
	f.Add([]byte(`{"candidate":{"candidate":"candidate:1 1 udp 1 192.0.2.1 5000 typ host","sdpMid":"0"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := proto.Encode(proto.TypeSignal, proto.Signal{Data: data})
		if err != nil {
			return // not JSON: the sender could not have built it either
		}
		env, err := proto.Decode(b)
		if err != nil {
			return
		}
		s, err := decodeSignal(env)
		if err == nil && (s.Description == nil) == (s.Candidate == nil) {
			t.Fatal("accepted a signal without exactly one part")
		}
	})
}
