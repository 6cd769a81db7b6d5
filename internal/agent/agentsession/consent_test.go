package agentsession

import (
	"context"
	"crypto/ed25519"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// scriptedCustomer answers every question with the next of its answers
// (AnswerRefused when they run out) and records questions and shows.
type scriptedCustomer struct {
	answers   chan string
	asked     chan session.Question
	shown     chan proto.ModeState
	actionsCh chan CustomerAction
}

func newScriptedCustomer(answers ...string) *scriptedCustomer {
	c := &scriptedCustomer{answers: make(chan string, 16), asked: make(chan session.Question, 16),
		shown: make(chan proto.ModeState, 64), actionsCh: make(chan CustomerAction, 4)}
	for _, a := range answers {
		c.answers <- a
	}
	return c
}

func (c *scriptedCustomer) Ask(ctx context.Context, q session.Question) string {
	c.asked <- q
	select {
	case a := <-c.answers:
		return a
	case <-ctx.Done():
		return proto.AnswerRefused
	default:
		return proto.AnswerRefused
	}
}

func (c *scriptedCustomer) Show(_ string, s proto.ModeState) {
	select {
	case c.shown <- s:
	default:
	}
}

func (c *scriptedCustomer) Actions() <-chan CustomerAction { return c.actionsCh }

func TestConsentRequests(t *testing.T) {
	full := &grant.Grant{Name: "Ana", Organisation: "Acme", Functions: []grant.Function{grant.Chat, grant.Clipboard, grant.FileTransfer, grant.RemoteControl}}
	viewOnly := &grant.Grant{Name: "Ana", Functions: []grant.Function{grant.Observe}}
	type step struct {
		mode      proto.Mode
		available bool
		answer    string // the customer's, when asked
		asked     bool   // whether the customer is asked
		verdict   string
		after     proto.Mode
	}
	for _, c := range []struct {
		name  string
		grant *grant.Grant
		steps []step
	}{
		{"allow control then refuse nothing to downgrade", full, []step{
			{proto.ModeControl, true, proto.AnswerAllowed, true, proto.AnswerAllowed, proto.ModeControl},
			{proto.ModeView, true, "", false, proto.AnswerAllowed, proto.ModeView},                    // less: no question
			{proto.ModeControl, true, proto.AnswerRefused, true, proto.AnswerRefused, proto.ModeView}, // refused: old mode stays
			{proto.ModeControl, true, proto.AnswerTimeout, true, proto.AnswerTimeout, proto.ModeView},
		}},
		{"grant without control", viewOnly, []step{
			{proto.ModeControl, true, "", false, proto.AnswerNotGranted, proto.ModeNone},
			{proto.ModeView, true, proto.AnswerAllowed, true, proto.AnswerAllowed, proto.ModeView},
			{proto.ModeDemonstrate, true, "", false, proto.AnswerNotGranted, proto.ModeView},
		}},
		{"unavailable is not asked", full, []step{
			{proto.ModeView, false, "", false, proto.AnswerNotHere, proto.ModeNone},
		}},
		{"no grant: the customer decides", nil, []step{
			{proto.ModeControl, true, proto.AnswerAllowed, true, proto.AnswerAllowed, proto.ModeControl},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cust := newScriptedCustomer()
			con := newConsent(cust, c.grant)
			for i, s := range c.steps {
				if s.answer != "" {
					cust.answers <- s.answer
				}
				st := con.request(context.Background(), proto.ModeRequest{ID: uint32(i + 1), Mode: s.mode}, s.available)
				asked := len(cust.asked) > 0
				if asked {
					q := <-cust.asked
					if c.grant != nil && q.Operator != c.grant.Name {
						t.Errorf("step %d: question names %q, want %q", i, q.Operator, c.grant.Name)
					}
				}
				if asked != s.asked || st.Answer != s.verdict || st.Mode != s.after || st.Request != uint32(i+1) {
					t.Fatalf("step %d (%s): asked %v answer %q mode %q request %d; want asked %v answer %q mode %q",
						i, s.mode, asked, st.Answer, st.Mode, st.Request, s.asked, s.verdict, s.after)
				}
			}
		})
	}
}

func TestConsentFirstQuestionIsTheSessionOne(t *testing.T) {
	cust := newScriptedCustomer(proto.AnswerAllowed, proto.AnswerAllowed)
	con := newConsent(cust, &grant.Grant{Name: "Ana", Organisation: "Acme", Functions: []grant.Function{grant.Chat, grant.RemoteControl}})
	con.request(context.Background(), proto.ModeRequest{ID: 1, Mode: proto.ModeView}, true)
	q := <-cust.asked
	if q.Kind != session.AskSession || q.Organisation != "Acme" || !slices.Equal(q.Functions, []string{"chat"}) {
		t.Errorf("first question %+v, want session.AskSession from Acme offering chat", q)
	}
	con.request(context.Background(), proto.ModeRequest{ID: 2, Mode: proto.ModeControl}, true)
	if q := <-cust.asked; q.Kind != session.AskMode || q.Mode != proto.ModeControl {
		t.Errorf("second question %+v, want session.AskMode control", q)
	}
}

func TestConsentActions(t *testing.T) {
	cust := newScriptedCustomer(proto.AnswerAllowed)
	con := newConsent(cust, nil)
	con.request(context.Background(), proto.ModeRequest{ID: 1, Mode: proto.ModeControl}, true)
	if !con.get().InputAllowed() {
		t.Fatal("control allowed but input not allowed")
	}
	_, changed := con.watch()
	if !con.act(ActTakeBack) {
		t.Fatal("take back changed nothing")
	}
	select {
	case <-changed:
	default:
		t.Fatal("watchers not woken by a change")
	}
	if con.get().InputAllowed() || !con.get().Sharing() {
		t.Errorf("after take back: %+v; want input suspended, screen still shared", con.get())
	}
	if con.act(ActTakeBack) {
		t.Error("a second take back reported a change")
	}
	con.act(ActGiveBack)
	con.act(ActPause)
	if st := con.get(); st.Sharing() || st.InputAllowed() {
		t.Errorf("paused: %+v still shares", st)
	}
	con.act(ActResume)
	if st := con.get(); !st.InputAllowed() {
		t.Errorf("resumed: %+v", st)
	}
}

// TestConsentTakesBack: the customer's own input takes control back only
// when it happened while the technician could control and after the hand
// that let control through has settled; an event read late is judged by
// when it happened.
func TestConsentTakesBack(t *testing.T) {
	cust := newScriptedCustomer(proto.AnswerAllowed)
	con := newConsent(cust, nil)
	clock := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	con.now = func() time.Time { return clock }
	before := clock.Add(-time.Millisecond) // a move on the way to Allow
	if con.takesBack(before) {
		t.Error("input before any control took it back")
	}
	clock = clock.Add(time.Minute)
	allowed := clock
	con.request(context.Background(), proto.ModeRequest{ID: 1, Mode: proto.ModeControl}, true)
	clock = clock.Add(5 * time.Second) // the signal is read long after
	for _, c := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"before the answer, read after it", allowed.Add(-10 * time.Millisecond), false},
		{"the hand leaving Allow", allowed.Add(takeBackSettle / 2), false},
		{"once settled", allowed.Add(takeBackSettle), true},
		{"later", allowed.Add(3 * time.Second), true},
	} {
		if got := con.takesBack(c.at); got != c.want {
			t.Errorf("%s: takesBack = %v, want %v", c.name, got, c.want)
		}
	}
	con.act(ActTakeBack)
	if con.takesBack(clock) {
		t.Error("input while already suspended took back again")
	}
	givenBack := clock
	con.act(ActGiveBack)
	if con.takesBack(givenBack.Add(takeBackSettle / 2)) {
		t.Error("the hand leaving Give back took control back again")
	}
	if !con.takesBack(givenBack.Add(takeBackSettle)) {
		t.Error("input once settled after Give back did not take control back")
	}
	con.act(ActPause)
	if con.takesBack(givenBack.Add(time.Hour)) {
		t.Error("input while paused took control back")
	}
}

func TestVerifyGrant(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	signed, err := grant.Sign(priv, grant.Grant{Operator: "op1", Session: "s1", Issued: now, Expires: now.Add(time.Hour), Functions: []grant.Function{grant.Observe}})
	if err != nil {
		t.Fatal(err)
	}
	key := grant.Key(pub)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	for _, c := range []struct {
		name   string
		joined proto.Joined
		ok     bool
		nilG   bool
	}{
		{"good", proto.Joined{Session: "s1", Grant: signed, GrantKey: key}, true, false},
		{"no grant", proto.Joined{Session: "s1"}, true, true},
		{"other session", proto.Joined{Session: "s2", Grant: signed, GrantKey: key}, false, true},
		{"other key", proto.Joined{Session: "s1", Grant: signed, GrantKey: grant.Key(otherPub)}, false, true},
		{"bad key", proto.Joined{Session: "s1", Grant: signed, GrantKey: grant.Key("!!")}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := verifyGrant(c.joined, now)
			if (err == nil) != c.ok || (g == nil) != c.nilG {
				t.Fatalf("verifyGrant = %+v, %v", g, err)
			}
			if err != nil && !strings.Contains(err.Error(), "technician") {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
}
