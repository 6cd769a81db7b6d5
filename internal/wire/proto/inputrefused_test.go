package proto_test

import (
	"bytes"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/wiretest"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestWireSpecInputRefused pins input-refused (docs/wire.md section 6.6)
// and decodes the golden file back; a body without its input is refused.
func TestWireSpecInputRefused(t *testing.T) {
	want := proto.InputRefused{Input: proto.InputCtrlAltDel, Reason: proto.ReasonSecureAttention}
	got, err := proto.Encode(proto.TypeInputRefused, want)
	if err != nil {
		t.Fatal(err)
	}
	golden := wiretest.Golden(t, "input-refused.json", append(got, '\n'))
	env, err := proto.Decode(bytes.TrimSuffix(golden, []byte("\n")))
	if err != nil || env.Type != proto.TypeInputRefused {
		t.Fatalf("Decode = %+v, %v", env, err)
	}
	if back, err := proto.Body[proto.InputRefused](env); err != nil || back != want {
		t.Errorf("body = %+v, %v, want %+v", back, err, want)
	}
	env.Body = []byte(`{"input":"","reason":"secure-attention"}`)
	if _, err := proto.Body[proto.InputRefused](env); err == nil {
		t.Error("an input-refused naming no input decoded")
	}
}
