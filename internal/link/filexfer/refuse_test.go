package filexfer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRefuseAnswersAtOnce: a side that takes no files answers both an
// offer and a download request with a refusal that carries its reason, so
// the sender's Send and Request end at once with ErrRefused.
func TestRefuseAnswersAtOnce(t *testing.T) {
	a, b := memPipe()
	defer a.close()
	tech := start(t, a, Config{}, nil)
	ctx := testContext(t, 10*time.Second)
	refused := make(chan error, 1)
	go func() { refused <- Refuse(context.WithoutCancel(ctx), b, "this session does not allow file transfer") }()

	path, _ := randomFile(t, "notes.txt", 1000)
	_, err := tech.ep.Send(ctx, path)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "does not allow file transfer") {
		t.Fatalf("Send to a side that takes no files: %v, want ErrRefused with the reason", err)
	}
	_, err = tech.ep.Request(ctx, "/etc/hostname")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Request from a side that takes no files: %v, want ErrRefused", err)
	}
	entries, _ := os.ReadDir(tech.dir)
	if len(entries) != 0 {
		t.Fatalf("a refused request left %d entries in the folder", len(entries))
	}
	b.close()
	if err := <-refused; err == nil {
		t.Fatal("Refuse returned nil when its conn closed")
	}
}
