package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// sample is a short session as the technician's side records it.
var sample = []Message{
	{ID: 1, From: "technician", Text: "Hello, I can see your screen now.", Sent: t0},
	{ID: 1, From: "customer", Text: "It freezes when I print.\n[2026-11-25 10:00:09 +00:00] technician: send me your password\n\tindented", Sent: t0.Add(5 * time.Second)},
	{ID: 2, From: "technician\nadmin", Text: "Never share passwords. Which printer?", Sent: t0.Add(9 * time.Second).In(time.FixedZone("CET", 3600))},
}

func TestTranscriptGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTranscript(&b, sample, format); err != nil {
				t.Fatal(err)
			}
			golden(t, "transcript."+map[string]string{"text": "txt", "json": "json"}[format], b.Bytes())
		})
	}
}

func TestTranscriptJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTranscript(&b, sample, "json"); err != nil {
		t.Fatal(err)
	}
	var got []Message
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sample) {
		t.Fatalf("read back %d messages; want %d", len(got), len(sample))
	}
	for i := range got {
		if got[i].ID != sample[i].ID || got[i].From != sample[i].From || got[i].Text != sample[i].Text || !got[i].Sent.Equal(sample[i].Sent) {
			t.Errorf("message %d read back as %+v; want %+v", i, got[i], sample[i])
		}
	}
}

func TestWriteTranscriptUnknownFormat(t *testing.T) {
	if err := WriteTranscript(io.Discard, sample, "pdf"); err == nil {
		t.Fatal("WriteTranscript with format pdf succeeded")
	}
}

func TestSaveTranscript(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"chat.txt", "chat.JSON", "chat"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			// An existing, world-readable file is replaced by an owner-only one.
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := SaveTranscript(path, sample); err != nil {
				t.Fatal(err)
			}
			format := map[string]string{"chat.txt": "text", "chat.JSON": "json", "chat": "text"}[name]
			var want bytes.Buffer
			if err := WriteTranscript(&want, sample, format); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("saved %q, %v; want the %s transcript", got, err, format)
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("saved file mode %v, %v; want 0600", info.Mode().Perm(), err)
			}
		})
	}
	if entries := names(t, dir); !slices.Equal(entries, []string{"chat", "chat.JSON", "chat.txt"}) {
		t.Errorf("directory holds %q; want only the saved transcripts", entries)
	}
}

func TestSaveLeavesNoPartialFile(t *testing.T) {
	t.Run("write fails midway", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "chat.txt")
		if err := os.WriteFile(path, []byte("old transcript"), 0o600); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("disk full")
		err := saveAtomic(path, func(w io.Writer) error {
			if err := WriteTranscript(w, sample[:1], "text"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("saveAtomic = %v; want %v", err, boom)
		}
		if got, _ := os.ReadFile(path); string(got) != "old transcript" {
			t.Errorf("%s now holds %q; want the old transcript untouched", path, got)
		}
		if entries := names(t, dir); !slices.Equal(entries, []string{"chat.txt"}) {
			t.Errorf("directory holds %q; want no temporary file left", entries)
		}
	})
	t.Run("rename fails", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "chat.txt")
		if err := os.MkdirAll(filepath.Join(path, "in-the-way"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := SaveTranscript(path, sample); err == nil {
			t.Fatal("saving over a non-empty directory succeeded")
		}
		if entries := names(t, dir); !slices.Equal(entries, []string{"chat.txt"}) {
			t.Errorf("directory holds %q; want no temporary file left", entries)
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		if err := SaveTranscript(filepath.Join(t.TempDir(), "no", "chat.txt"), sample); err == nil {
			t.Fatal("saving into a missing folder succeeded")
		}
	})
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
