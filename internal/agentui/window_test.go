package agentui

import (
	"testing"
)

var ana = Request{Kind: KindSession, Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl,
	Functions: []string{"files", "chat"}}

func TestAskAllowByClick(t *testing.T) {
	o := openUI(t)
	got := o.ask(ana)
	o.waitDrawn(t, "an armed question", func(i layoutInfo) bool { return i.prompt != 0 && i.armed })
	o.click(t, nAllow)
	if a := answerOf(t, got); a != Allow {
		t.Fatalf("answer %v, want allow", a)
	}
}
