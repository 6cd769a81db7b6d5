package agentsession

import (
	"testing"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/session"
)

// TestFileQuestion: a download is asked by the name of the file filexfer
// resolved, with its folder apart (the window shows the name prominently
// and the folder under it), never by the path the technician typed.
func TestFileQuestion(t *testing.T) {
	for _, tc := range []struct {
		name string
		ask  filexfer.Ask
		want session.Question
	}{
		{"incoming", filexfer.Ask{Kind: filexfer.KindOffer, Name: "report.pdf", Size: 12},
			session.Question{Kind: session.AskFileIn, File: "report.pdf", Size: 12}},
		{"download through a link into .ssh",
			filexfer.Ask{Kind: filexfer.KindRequest, Name: "id_ed25519", Path: "/home/c/.ssh/id_ed25519", Size: 411, Hidden: true},
			session.Question{Kind: session.AskFileOut, File: "id_ed25519", Dir: "/home/c/.ssh", Size: 411, Hidden: true}},
		{"download outside home",
			filexfer.Ask{Kind: filexfer.KindRequest, Name: "passwd", Path: "/etc/passwd", Size: 1500, OutsideHome: true},
			session.Question{Kind: session.AskFileOut, File: "passwd", Dir: "/etc", Size: 1500, OutsideHome: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fileQuestion(tc.ask); got.Kind != tc.want.Kind || got.File != tc.want.File || got.Dir != tc.want.Dir ||
				got.Size != tc.want.Size || got.Hidden != tc.want.Hidden || got.OutsideHome != tc.want.OutsideHome {
				t.Fatalf("question %+v, want %+v", got, tc.want)
			}
		})
	}
}
