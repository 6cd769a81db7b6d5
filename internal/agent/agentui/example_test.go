package agentui_test

import (
	"context"
	"log"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
)

// An agent asks before sharing anything, then follows the customer's
// panel. Remote input over the window, or while it has the keyboard, is
// dropped.
func Example() {
	ctx := context.Background()
	ui, err := agentui.Open(ctx, agentui.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ui.Close()
	a, err := ui.Ask(ctx, agentui.Request{Kind: agentui.KindSession, Operator: "Ana Lopez",
		Organisation: "Acme IT", Mode: agentui.ModeView, Functions: []string{"chat"}})
	if err != nil || a != agentui.Allow {
		return // Deny, Timeout and errors all refuse
	}
	ui.SetStatus(agentui.Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: agentui.ModeView})
	for act := range ui.Actions() {
		switch act.Kind {
		case agentui.Stop:
			return
		case agentui.ChatSend:
			log.Printf("to the operator: %s", act.Text)
		}
	}
	// In the input injector, for each remote event:
	//	if ui.Covers(p) || (isKey && ui.Focused()) { drop it }
}
