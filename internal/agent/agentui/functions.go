package agentui

import (
	"strings"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// functionWords says each function an operator can be granted in the
// customer's words: the phrase that follows "Also asks to:". Every
// function of grant.Functions has one (a test checks), so the customer
// never reads an internal name such as "file-transfer".
var functionWords = map[grant.Function]msg{
	grant.RemoteControl: mFuncControl,
	grant.Observe:       mFuncObserve,
	grant.Demonstrate:   mFuncDemonstrate,
	grant.FileTransfer:  mFuncFiles,
	grant.Chat:          mFuncChat,
	grant.Clipboard:     mFuncClipboard,
}

// functions lists what else a session request asks for, in plain words:
// "send and receive files, chat, share the clipboard". A name this
// version does not know is shown as it came, rather than hidden from the
// customer who is asked to allow it.
func (t *texts) functions(fs []string) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if m, ok := functionWords[grant.Function(f)]; ok {
			f = t[m]
		}
		out = append(out, f)
	}
	return strings.Join(out, ", ")
}
