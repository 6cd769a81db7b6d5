package session

import (
	"bytes"
	"testing"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func TestReportCursor(t *testing.T) {
	var b bytes.Buffer
	NewReporter(&b, true).Cursor(proto.CursorPos{Seq: 1, Serial: 9, X: 10, Y: -2})
	NewReporter(&b, true).Cursor(proto.CursorPos{Seq: 2, Serial: 9, Hidden: true})
	NewReporter(&b, false).Cursor(proto.CursorPos{Seq: 3, Serial: 9, X: 1, Y: 1})
	want := `{"event":"cursor","x":10,"y":-2,"shape":9}` + "\n" + `{"event":"cursor","x":0,"y":0,"shape":9,"hidden":true}` + "\n"
	if b.String() != want {
		t.Fatalf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}
