package chat

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s changed:\n got %s\nwant %s", path, got, want)
	}
}

func TestWireGolden(t *testing.T) {
	b, err := encode(Message{ID: 7, From: "technician", Text: "Is the printer on?\n\"Yes\" <ok>", Sent: t0.Add(5e9)})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "wire.json", append(b, '\n'))
	m, err := decode(b)
	if err != nil || m.ID != 7 || m.Text != "Is the printer on?\n\"Yes\" <ok>" || !m.Sent.Equal(t0.Add(5e9)) || m.From != "" {
		t.Fatalf("decode = %+v, %v", m, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	long := strings.Repeat("a", MaxText+1)
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"not JSON", `hello`, errMalformed},
		{"array", `[1]`, errMalformed},
		{"oversize", `{"v":1,"id":1,"text":"` + strings.Repeat(`\u0061`, MaxText+100) + `","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"bad UTF-8", "{\"v\":1,\"id\":1,\"text\":\"a\xffb\",\"sent\":\"2026-11-25T10:00:00Z\"}", errMalformed},
		{"version 2", `{"v":2,"id":1,"text":"hi","sent":"2026-11-25T10:00:00Z"}`, errVersion},
		{"no version", `{"id":1,"text":"hi","sent":"2026-11-25T10:00:00Z"}`, errVersion},
		{"id 0", `{"v":1,"id":0,"text":"hi","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"negative id", `{"v":1,"id":-1,"text":"hi","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"no sent", `{"v":1,"id":1,"text":"hi"}`, errMalformed},
		{"bad sent", `{"v":1,"id":1,"text":"hi","sent":"yesterday"}`, errMalformed},
		{"empty text", `{"v":1,"id":1,"text":"","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"text too long", `{"v":1,"id":1,"text":"` + long + `","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"escaped control", `{"v":1,"id":1,"text":"\u001b[2J","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"bidi override", `{"v":1,"id":1,"text":"a\u202eb","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
		{"untrimmed", `{"v":1,"id":1,"text":" hi","sent":"2026-11-25T10:00:00Z"}`, errMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := decode([]byte(tt.in)); !errors.Is(err, tt.err) {
				t.Fatalf("decode = %+v, %v; want %v", m, err, tt.err)
			}
		})
	}
	// The largest message a sender can make still decodes.
	b, err := encode(Message{ID: 1, Text: strings.Repeat("<", MaxText), Sent: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(b); err != nil {
		t.Errorf("decode of a %d-byte maximal message: %v", len(b), err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"id":7,"text":"Is the printer on?","sent":"2026-11-25T10:00:05Z"}`,
		`{"v":1,"id":1,"text":"a\nb\tc","sent":"2026-11-25T10:00:05+01:00"}`,
		`{"v":2,"id":1,"text":"x","sent":"2026-11-25T10:00:05Z"}`,
		`{"v":1,"id":1,"text":"\u202e","sent":"2026-11-25T10:00:05Z"}`,
		`{"V":1,"ID":1,"Text":"x","Sent":"2026-11-25T10:00:05Z","v":1}`,
		`null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decode(b)
		if err != nil {
			return
		}
		if clean, err := cleanText(m.Text); err != nil || clean != m.Text {
			t.Fatalf("decoded text %q is not what a sender could send (%v)", m.Text, err)
		}
		again, err := encode(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decode(again)
		if err != nil || m2.ID != m.ID || m2.Text != m.Text || !m2.Sent.Equal(m.Sent) {
			t.Fatalf("re-encoded %+v decodes as %+v, %v", m, m2, err)
		}
	})
}
