package agentui

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// TestFunctionWords: every function internal/wire/grant knows has a plain
// phrase in every language, and none of them is an internal name.
func TestFunctionWords(t *testing.T) {
	for lang, tx := range table {
		for _, f := range grant.Functions {
			m, ok := functionWords[f]
			if !ok {
				t.Errorf("%s has no words", f)
				continue
			}
			if s := tx[m]; strings.TrimSpace(s) == "" || leaksName(s) != "" {
				t.Errorf("%s: %s reads %q", lang, f, s)
			}
		}
	}
}

// TestFunctionsInPlainWords reads what the real window draws for a
// session request that asks for every extra function, in English and in
// French: the plain words, and no internal name.
func TestFunctionsInPlainWords(t *testing.T) {
	all := make([]string, 0, len(grant.Functions))
	for _, f := range grant.Functions {
		all = append(all, string(f))
	}
	for _, tc := range []struct{ lang, env, want string }{
		{"en", "", "Also asks to: send and receive files, chat, share the clipboard."},
		{"", "fr_FR.UTF-8", "Demande aussi à : envoyer et recevoir des fichiers, discuter avec vous, partager le presse-papiers."},
	} {
		t.Run(tc.lang+tc.env, func(t *testing.T) {
			t.Setenv("LC_ALL", "")
			t.Setenv("LC_MESSAGES", tc.env) // the French desktop says so here
			t.Setenv("LANG", "C.UTF-8")
			o := openUIIn(t, tc.lang, func(*xvfb.Client) {})
			r := ana
			r.Functions = []string{"file-transfer", "chat", "clipboard"}
			got := o.ask(r)
			info := o.waitDrawn(t, "the question", func(i layoutInfo) bool { return i.prompt != 0 })
			if !slices.Contains(info.Texts, tc.want) {
				t.Errorf("drawn %q, want the line %q", info.Texts, tc.want)
			}
			for _, s := range info.Texts {
				if n := leaksName(s); n != "" {
					t.Errorf("the window shows the internal name %q: %q", n, s)
				}
			}
			// The screen's functions too, which the agent asks in the first line.
			if _, tx := language(tc.lang); leaksName(tx.functions(all)) != "" {
				t.Errorf("every function: %q", tx.functions(all))
			}
			o.click(t, nDeny)
			answerOf(t, got)
		})
	}
}

// leaksName returns the first internal function name in s that is no
// English word ("remote-control", "file-transfer"), or "". The exact
// lines the tests expect catch the others ("clipboard" for "share the
// clipboard").
func leaksName(s string) string {
	for _, f := range grant.Functions {
		if n := string(f); strings.Contains(n, "-") && strings.Contains(s, n) {
			return n
		}
	}
	return ""
}
