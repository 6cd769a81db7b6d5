package stamp

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary file tails to Decode: it never panics, reads
// only within the file, whatever it accepts is a valid payload, and the
// bytes before a stamp never change what it says.
func FuzzRead(f *testing.F) {
	good := stamped(f, []byte("\x7fELF agent"), testPayload())
	f.Add(good)
	f.Add(good[len(good)-trailerSize:])
	f.Add([]byte(Magic))
	f.Add(append(bytes.Repeat([]byte{0}, trailerSize), Magic...))
	f.Add([]byte("plain binary"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid payload: %v", err)
		}
		// What precedes the stamp is the binary: it changes nothing.
		q, err := Decode(bytes.NewReader(append([]byte("prefix"), b...)), int64(len(b)+6))
		if err != nil || q.Ticket != p.Ticket || q.Server != p.Server || !bytes.Equal(q.Pin, p.Pin) {
			t.Fatalf("the same stamp after more bytes: %+v, %v; alone: %+v", q, err, p)
		}
	})
}
