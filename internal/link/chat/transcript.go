package chat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteTranscript writes ms in format "text" or "json".
//
// The text format gives each message one header line, "[2006-01-02
// 15:04:05 -07:00] from: first line", in the time's own zone; further lines
// of the message follow indented by four spaces, so that no line a user
// typed can pass for another message's header. The json format is an
// indented array of {"id","from","text","sent"} objects.
func WriteTranscript(w io.Writer, ms []Message, format string) error {
	switch format {
	case "text":
		return writeText(w, ms)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if ms == nil {
			ms = []Message{}
		}
		return enc.Encode(ms)
	}
	return fmt.Errorf("unknown transcript format %q; use \"text\" or \"json\"", format)
}

func writeText(w io.Writer, ms []Message) error {
	bw := bufio.NewWriter(w)
	for _, m := range ms {
		from := strings.Map(nameRune, m.From)
		lines := strings.Split(strings.Map(cleanRune, m.Text), "\n")
		fmt.Fprintf(bw, "[%s] %s: %s\n", m.Sent.Format("2006-01-02 15:04:05 -07:00"), from, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(bw, "    %s\n", l)
		}
	}
	return bw.Flush()
}

// nameRune keeps a sender's name on one line.
func nameRune(r rune) rune {
	if r = cleanRune(r); r == '\n' || r == '\t' {
		return ' '
	}
	return r
}

// SaveTranscript writes ms to path, as JSON if path ends in .json and as
// text otherwise, readable by the owner only. It writes a temporary file
// beside path and renames it, so path holds either the old file or the
// whole transcript, never part of one.
func SaveTranscript(path string, ms []Message) error {
	format := "text"
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = "json"
	}
	return saveAtomic(path, func(w io.Writer) error { return WriteTranscript(w, ms, format) })
}

func saveAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save transcript (choose a folder you can write to): %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp already makes the file 0600; Chmod says so and survives a
	// change there.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("save transcript: %w", err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("save transcript: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save transcript: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save transcript: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save transcript as %s: %w", path, err)
	}
	return nil
}
