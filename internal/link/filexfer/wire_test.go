package filexfer

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

// wireCases pin the encoding: a change here breaks peers of other versions.
var wireCases = []struct {
	name string
	m    message
	hex  string
}{
	{"offer", message{Type: msgOffer, Mine: true, ID: 7, Size: 5, SHA256: [32]byte{1, 2}, Key: [16]byte{0xff}, Text: "a.txt"},
		"81" + "00000007" + "0000000000000005" + "0102" + strings.Repeat("00", 30) + "ff" + strings.Repeat("00", 15) + "0005" + hex.EncodeToString([]byte("a.txt"))},
	{"request", message{Type: msgRequest, Mine: true, ID: 1, Text: "/x"}, "82" + "00000001" + "0002" + "2f78"},
	{"accept", message{Type: msgAccept, ID: 1, Offset: 65536}, "03" + "00000001" + "0000000000010000"},
	{"refuse", message{Type: msgRefuse, ID: 2, Code: codeTooLarge, Text: "no"}, "04" + "00000002" + "02" + "0002" + "6e6f"},
	{"data", message{Type: msgData, Mine: true, ID: 3, Offset: 9, Data: []byte{0xaa, 0xbb}}, "85" + "00000003" + "0000000000000009" + "aabb"},
	{"done", message{Type: msgDone, ID: 4, Text: "a (1).txt"}, "06" + "00000004" + "0009" + hex.EncodeToString([]byte("a (1).txt"))},
	{"abort", message{Type: msgAbort, Mine: true, ID: 5, Code: codeHashMismatch, Text: ""}, "87" + "00000005" + "05" + "0000"},
}

func TestWireGolden(t *testing.T) {
	for _, tc := range wireCases {
		t.Run(tc.name, func(t *testing.T) {
			got := hex.EncodeToString(appendMessage(nil, &tc.m))
			if got != tc.hex {
				t.Fatalf("encoded\n%s\nwant\n%s", got, tc.hex)
			}
			raw, _ := hex.DecodeString(tc.hex)
			m, err := decodeMessage(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tc.m) {
				t.Fatalf("decoded %+v, want %+v", m, tc.m)
			}
		})
	}
}

func TestWireRejects(t *testing.T) {
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"unknown type", "09" + "00000001"},
		{"short id", "03" + "0000"},
		{"short offer", "01" + "00000001" + "00"},
		{"text past end", "02" + "00000001" + "0005" + "2f"},
		{"trailing bytes", "03" + "00000001" + "0000000000000001" + "00"},
		{"negative size", "03" + "00000001" + "8000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := hex.DecodeString(tc.hex)
			if m, err := decodeMessage(raw); err == nil {
				t.Fatalf("decoded %+v, want an error", m)
			}
		})
	}
}

// FuzzDecode checks that the decoder never panics and that whatever it
// accepts encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, tc := range wireCases {
		raw, _ := hex.DecodeString(tc.hex)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := decodeMessage(raw)
		if err != nil {
			return
		}
		if m.Type == msgData && m.Data == nil {
			m.Data = []byte{}
		}
		again := appendMessage(nil, &m)
		if !bytes.Equal(again, raw) {
			t.Fatalf("decode then encode changed %x into %x", raw, again)
		}
	})
}
