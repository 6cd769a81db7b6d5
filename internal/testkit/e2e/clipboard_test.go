package e2e

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestClipboardBothWays: the technician puts text on the customer's
// clipboard, where a customer application can paste it; then a customer
// application copies text, and it reaches the technician. Both texts are
// far longer than one control message carries (they travel in pieces).
func TestClipboardBothWays(t *testing.T) {
	b := binaries(t)
	display := xvfb.Start(t, 800, 600)
	xvfb.Connect(t, display).Window(image.Rect(0, 0, 100, 100), 0x2020d0)
	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	// One argument of argv holds at most 128 KiB on Linux.
	toCustomer := strings.Repeat("Bonjour, ça va ? #1\n", 4000)               // 84 kB
	toTechnician := strings.Repeat("copied by the customer: Жёлтый\t", 10000) // 370 kB
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json",
		"-clipboard", toCustomer, "-end-after", "8s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow") // the customer allows, with a real click
	tech.next(t, "connected")

	// The customer's application: another X client reading and writing
	// the CLIPBOARD selection.
	app, err := input.NewX11Clipboard(input.ClipboardOptions{Display: display})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got string
	for ctx.Err() == nil && got != toCustomer {
		got, _ = app.Get(ctx)
		time.Sleep(100 * time.Millisecond)
	}
	if got != toCustomer {
		t.Fatalf("customer's clipboard holds %d bytes (%.40q...), want the %d sent\nagent: %.5000s\n%s\ntechnician: %.5000s", len(got), got, len(toCustomer),
			agent.output(), agent.stderr.String(), tech.output())
	}

	if err := app.Set(toTechnician); err != nil {
		t.Fatal(err)
	}
	for {
		ev := tech.next(t, "clipboard")
		if ev["text"] == toTechnician {
			break
		}
		t.Logf("the technician got a clipboard of %d bytes", len(ev["text"].(string)))
	}
}
