package filexfer

// Golden files for docs/wire.md: every message of the "file" data channel
// as a hex dump, the refusal and abort codes, and how a transfer's key and
// its partial file's name are derived. Each test encodes, compares with
// testdata/wire, and decodes the file back. "go test -run TestWireSpec
// -update" rewrites them.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
)

// -update rewrites the golden files (package wiretest).
var _ = flag.Bool("update", false, "rewrite golden files in testdata/")

// The example file: "report.pdf", 11 bytes.
var (
	wireContent = []byte("hello world")
	wireSum     = sha256.Sum256(wireContent)
	wireKey     = transferKey("report.pdf", int64(len(wireContent)), wireSum)
)

// TestWireSpecFile pins one message of every type, as a transfer uses
// them: the technician (transfer 1, its own) offers report.pdf, the agent
// accepts from byte 0, data, done; the technician requests a file
// (transfer 2), the agent offers it in answer (flag clear: the requester
// started it), and so on.
func TestWireSpecFile(t *testing.T) {
	for _, tc := range []struct {
		file string
		m    message
	}{
		{"offer.hex", message{Type: msgOffer, Mine: true, ID: 1, Size: int64(len(wireContent)), SHA256: wireSum, Key: wireKey, Text: "report.pdf"}},
		{"accept.hex", message{Type: msgAccept, ID: 1, Offset: 0}},
		{"accept-resume.hex", message{Type: msgAccept, ID: 1, Offset: 6}},
		{"data.hex", message{Type: msgData, Mine: true, ID: 1, Offset: 6, Data: wireContent[6:]}},
		{"done.hex", message{Type: msgDone, ID: 1, Text: "report (1).pdf"}},
		{"request.hex", message{Type: msgRequest, Mine: true, ID: 2, Text: "~/Documents/report.pdf"}},
		{"offer-answering-request.hex", message{Type: msgOffer, ID: 2, Size: int64(len(wireContent)), SHA256: wireSum, Key: wireKey, Text: "report.pdf"}},
		{"refuse.hex", message{Type: msgRefuse, ID: 1, Code: codeRefused, Text: ErrRefused.Error()}},
		{"abort.hex", message{Type: msgAbort, Mine: true, ID: 1, Code: codeCanceled, Text: "context canceled"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			want := wiretest.Undump(t, wiretest.Golden(t, tc.file, []byte(hex.Dump(appendMessage(nil, &tc.m)))))
			back, err := decodeMessage(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.m) {
				t.Fatalf("decoded %+v\nwant    %+v", back, tc.m)
			}
		})
	}
}

// TestWireSpecFileCodes pins the refusal and abort codes with the error
// each stands for.
func TestWireSpecFileCodes(t *testing.T) {
	var b strings.Builder
	for c := codeRefused; c <= codeFailed; c++ {
		e, ok := codeErrs[c]
		if !ok {
			t.Fatalf("code %d has no error", c)
		}
		if codeOf(e) != c {
			t.Errorf("code %d does not map back", c)
		}
		fmt.Fprintf(&b, "%d %s\n", c, e)
	}
	wiretest.Golden(t, "codes.txt", []byte(b.String()))
}

// TestWireSpecFileKey pins how the key and the partial file's name are
// derived from the offer's name, size and SHA-256.
func TestWireSpecFileKey(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "name    %s\nsize    %d\nsha256  %x\n", "report.pdf", len(wireContent), wireSum)
	fmt.Fprintf(&b, "key     %x\n", wireKey)
	fmt.Fprintf(&b, "partial %s\n", partialName("report.pdf", wireKey))
	wiretest.Golden(t, "key.txt", []byte(b.String()))
	h := sha256.New()
	h.Write([]byte("tandem filexfer key\x00report.pdf\x00"))
	h.Write([]byte{0, 0, 0, 0, 0, 0, 0, byte(len(wireContent))})
	h.Write(wireSum[:])
	if got := h.Sum(nil)[:keyLen]; !bytes.Equal(got, wireKey[:]) {
		t.Errorf("key = %x, the documented derivation gives %x", wireKey, got)
	}
}
