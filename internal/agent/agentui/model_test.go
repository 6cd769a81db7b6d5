package agentui

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// asked runs m.ask in a goroutine and returns where its result will come.
func asked(m *model, ctx context.Context, r Request) <-chan reply {
	ch := make(chan reply, 1)
	go func() {
		a, err := m.ask(ctx, r)
		ch <- reply{a, err}
	}()
	return ch
}

func viewReq(op string) Request { return Request{Kind: KindSession, Operator: op, Mode: ModeView} }

func current(t *testing.T, m *model) *promptView {
	t.Helper()
	p := m.snapshot().prompt
	if p == nil {
		t.Fatal("no question on screen")
	}
	return p
}

func TestModelTimeoutIsCountedFromTheScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newModel(nil)
		first := asked(m, t.Context(), Request{Kind: KindSession, Operator: "Ana", Mode: ModeView, Timeout: 10 * time.Second})
		synctest.Wait()
		second := asked(m, t.Context(), Request{Kind: KindMode, Operator: "Ana", Mode: ModeControl, Timeout: 10 * time.Second})
		synctest.Wait()
		time.Sleep(8 * time.Second)
		if !m.answer(current(t, m).id, Deny) {
			t.Fatal("deny not taken")
		}
		if r := <-first; r.a != Deny || r.err != nil {
			t.Fatalf("first = %v, %v; want deny", r.a, r.err)
		}
		// The second question came on screen only now: 9 s later it
		// still waits, and it times out at 10 s.
		time.Sleep(9 * time.Second)
		synctest.Wait()
		select {
		case r := <-second:
			t.Fatalf("second answered %v after 9 s on screen, want it still waiting", r.a)
		default:
		}
		time.Sleep(time.Second)
		if r := <-second; r.a != Timeout || r.err != nil {
			t.Fatalf("second = %v, %v; want timeout", r.a, r.err)
		}
		if m.snapshot().prompt != nil {
			t.Error("a question is still on screen")
		}
	})
}

func TestModelDefaultTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newModel(nil)
		start := time.Now()
		a, err := m.ask(t.Context(), viewReq("Ana"))
		if a != Timeout || err != nil || time.Since(start) != DefaultTimeout {
			t.Fatalf("got %v, %v after %v; want timeout after %v", a, err, time.Since(start), DefaultTimeout)
		}
	})
}

func TestModelAllowIsArmedLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newModel(nil)
		got := asked(m, t.Context(), viewReq("Ana"))
		synctest.Wait()
		id := current(t, m).id
		time.Sleep(time.Second)
		if m.answer(id, Allow) {
			t.Fatal("Allow taken before the question was drawn")
		}
		m.markDrawn(id)
		if m.answer(id, Allow) {
			t.Fatal("Allow taken the instant the question was drawn")
		}
		time.Sleep(armDelay)
		if !m.answer(id, Allow) {
			t.Fatal("Allow not taken once armed")
		}
		if r := <-got; r.a != Allow {
			t.Fatalf("got %v, want allow", r.a)
		}
		if m.answer(id, Deny) {
			t.Error("a second answer to the same question was taken")
		}
	})
}

func TestModelAnswerGoesToTheQuestionShown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newModel(nil)
		first := asked(m, t.Context(), viewReq("Ana"))
		synctest.Wait()
		second := asked(m, t.Context(), Request{Kind: KindFileIn, Operator: "Ana", File: "a.txt", Size: 3})
		synctest.Wait()
		p := current(t, m)
		if p.req.Kind != KindSession || p.waiting != 1 {
			t.Fatalf("on screen: %v with %d waiting; want the session question with 1 waiting", p.req.Kind, p.waiting)
		}
		m.markDrawn(p.id)
		time.Sleep(armDelay)
		m.answer(p.id, Allow)
		<-first
		// A click meant for the first question must not answer the second.
		m.markDrawn(current(t, m).id)
		time.Sleep(armDelay)
		if m.answer(p.id, Allow) {
			t.Fatal("answer with the first question's id taken by the second")
		}
		m.answer(current(t, m).id, Deny)
		if r := <-second; r.a != Deny {
			t.Fatalf("second = %v, want deny", r.a)
		}
	})
}

func TestModelContextEndWithdraws(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newModel(nil)
		ctx, cancel := context.WithCancel(t.Context())
		first := asked(m, ctx, viewReq("Ana"))
		second := asked(m, t.Context(), viewReq("Bob"))
		synctest.Wait()
		cancel()
		if r := <-first; r.a != Deny || !errors.Is(r.err, context.Canceled) {
			t.Fatalf("got %v, %v; want deny, context canceled", r.a, r.err)
		}
		if p := current(t, m); p.req.Operator != "Bob" {
			t.Fatalf("on screen: %q's question, want Bob's", p.req.Operator)
		}
		m.close()
		if r := <-second; r.a != Deny || !errors.Is(r.err, ErrClosed) {
			t.Fatalf("after close: %v, %v; want deny, ErrClosed", r.a, r.err)
		}
		if _, err := m.ask(t.Context(), viewReq("Eve")); !errors.Is(err, ErrClosed) {
			t.Fatalf("ask after close: %v, want ErrClosed", err)
		}
	})
}

func TestModelRejectsBadRequests(t *testing.T) {
	m := newModel(nil)
	for name, r := range map[string]Request{
		"no kind":       {Operator: "Ana", Mode: ModeView},
		"unknown mode":  {Kind: KindMode, Operator: "Ana", Mode: "admin"},
		"file no name":  {Kind: KindFileOut, Operator: "Ana"},
		"negative wait": {Kind: KindSession, Mode: ModeView, Timeout: -time.Second},
	} {
		if a, err := m.ask(t.Context(), r); err == nil || a != Deny {
			t.Errorf("%s: got %v, %v; want deny and an error", name, a, err)
		}
	}
}

func TestStatusLine(t *testing.T) {
	en, fr := table["en"], table["fr"]
	for _, tc := range []struct {
		t    *texts
		s    Status
		want string
	}{
		{en, Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl}, "Ana Lopez (Acme IT) is controlling your screen."},
		{en, Status{Operator: "Ana Lopez", Mode: ModeView}, "Ana Lopez is viewing your screen."},
		{en, Status{Operator: "Ana", Mode: ModeDemonstrate}, "Ana is showing you their screen."},
		{en, Status{Operator: "Ana", Mode: ModeControl, InputSuspended: true}, "You have taken back control: Ana can only watch."},
		{en, Status{Operator: "Ana", Mode: ModeView, Paused: true}, "Sharing is paused."},
		{en, Status{}, "Tandem support: nothing is shared."},
		{fr, Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl}, "Ana Lopez (Acme IT) contrôle votre écran."},
		{fr, Status{Operator: "Ana", Mode: ModeView}, "Ana voit votre écran."},
	} {
		if got := tc.t.statusLine(tc.s); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestPromptText(t *testing.T) {
	en, fr := table["en"], table["fr"]
	r := Request{Kind: KindSession, Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl, Functions: []string{"file-transfer", "chat"}}
	title, asks, more := en.promptText(r)
	if title != "Remote support request" || asks != "Ana Lopez (Acme IT) asks to control your screen (keyboard and mouse)." ||
		strings.Join(more, "|") != "Also asks to: send and receive files, chat." {
		t.Errorf("session: %q %q %q", title, asks, more)
	}
	r.Browser = true
	if _, _, more = fr.promptText(r); strings.Join(more, "|") != "Demande aussi à : envoyer et recevoir des fichiers, discuter avec vous.|Cette personne utilise la console web, dans un navigateur." {
		t.Errorf("session from a browser, French: %q", more)
	}
	_, asks, _ = fr.promptText(Request{Kind: KindFileIn, Operator: "Ana", File: "rapport.pdf", Size: 1_500_000})
	if asks != "Ana veut vous envoyer « rapport.pdf » (1,5 Mo)." {
		t.Errorf("file in, French: %q", asks)
	}
	_, asks, _ = en.promptText(Request{Kind: KindFileOut, File: "/home/c/a.txt", Size: 12})
	if asks != "A technician asks to download “/home/c/a.txt” (12 bytes) from your computer." {
		t.Errorf("file out: %q", asks)
	}
	// A fetch of "Documents/Invoices/../../.ssh/id_ed25519" is refused;
	// a link that reaches the key is shown as what it reaches.
	key := Request{Kind: KindFileOut, Operator: "Ana", File: "id_ed25519", Size: 411, Dir: "/home/c/.ssh", Hidden: true}
	_, asks, more = en.promptText(key)
	if asks != "Ana asks to download “id_ed25519” (411 bytes) from your computer." ||
		strings.Join(more, "|") != "From the folder /home/c/.ssh|It is hidden: programs keep settings, passwords and keys in hidden files." {
		t.Errorf("file out, hidden: %q %q", asks, more)
	}
	_, asks, more = fr.promptText(Request{Kind: KindFileOut, Operator: "Ana", File: "passwd", Size: 1500, Dir: "/etc", OutsideHome: true})
	if asks != "Ana demande à télécharger « passwd » (1,5 Ko) depuis votre ordinateur." ||
		strings.Join(more, "|") != "Depuis le dossier /etc|Il est hors de votre dossier personnel." {
		t.Errorf("file out, outside home, French: %q %q", asks, more)
	}
}

func TestTableIsComplete(t *testing.T) {
	for lang, tx := range table {
		for m, s := range tx {
			if s == "" {
				t.Errorf("%s: text %d is empty", lang, m)
			}
			if strings.Count(s, "%") != strings.Count(table["en"][m], "%") {
				t.Errorf("%s: text %d has other verbs than English: %q", lang, m, s)
			}
		}
	}
}

func TestLanguageFromEnvironment(t *testing.T) {
	for _, tc := range []struct{ lcAll, lang, want string }{
		{"", "fr_FR.UTF-8", "fr"},
		{"fr_CA.UTF-8", "en_US.UTF-8", "fr"},
		{"en_GB.UTF-8", "fr_FR.UTF-8", "en"},
		{"", "", "en"},
		{"", "de_DE.UTF-8", "en"},
	} {
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", tc.lang)
		if got, _ := language(""); got != tc.want {
			t.Errorf("LC_ALL=%q LANG=%q: %s, want %s", tc.lcAll, tc.lang, got, tc.want)
		}
	}
	if got, _ := language("fr"); got != "fr" {
		t.Errorf("explicit fr: %s", got)
	}
}

// TestStatusRedraws: a new status redraws the window only when the panel
// would draw it differently: a transfer's progress within the same
// shown size ("12.3 MB") does not, a new shown size or any other field
// does. drawnAlike must know every field of Status.
func TestStatusRedraws(t *testing.T) {
	if n := reflect.TypeFor[Status]().NumField(); n != 8 {
		t.Fatalf("Status has %d fields: teach drawnAlike the new ones, then this count", n)
	}
	redraws := 0
	m := newModel(func() { redraws++ })
	en := table["en"]
	tr := filexfer.Progress{ID: 7, Name: "big.iso", Done: 12_300_000, Total: 700_000_000}
	st := Status{Operator: "Ana", Mode: "control", CanSend: true, Transfers: []filexfer.Progress{tr}}
	m.setStatus(st, en.drawnAlike)
	if redraws != 1 {
		t.Fatalf("%d redraws for the first status, want 1", redraws)
	}
	st.Transfers = []filexfer.Progress{tr}
	st.Transfers[0].Done = 12_340_000 // still "12.3 MB"
	m.setStatus(st, en.drawnAlike)
	if redraws != 1 {
		t.Errorf("redrawn for progress the panel shows alike (%s)", en.size(12_340_000))
	}
	if got := m.snapshot().status.Transfers[0].Done; got != 12_340_000 {
		t.Errorf("status kept %d bytes done, want the latest, 12340000", got)
	}
	st.Transfers = []filexfer.Progress{tr}
	st.Transfers[0].Done = 12_400_000 // "12.4 MB"
	m.setStatus(st, en.drawnAlike)
	if redraws != 2 {
		t.Errorf("%d redraws after the shown size changed, want 2", redraws)
	}
	st.Sent = &SentFile{Name: "log.txt", Outcome: SendWaiting}
	m.setStatus(st, en.drawnAlike)
	st.Sent = &SentFile{Name: "log.txt", Outcome: SendDone}
	m.setStatus(st, en.drawnAlike)
	st.Paused = true
	m.setStatus(st, en.drawnAlike)
	if redraws != 5 {
		t.Errorf("%d redraws after three other changes, want 5", redraws)
	}
}
