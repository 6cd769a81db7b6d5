package session

import "github.com/tandem-remote/tandem/internal/wire/proto"

// InputRefused reports input the agent could not give to its computer
// (docs/wire.md section 6.6).
func (r *Reporter) InputRefused(m proto.InputRefused) {
	r.emit(struct {
		Event string `json:"event"`
		proto.InputRefused
	}{"input-refused", m}, DescribeRefusal(m))
}

// DescribeRefusal says in a sentence what was refused and what to do.
func DescribeRefusal(m proto.InputRefused) string {
	if m.Input == proto.InputCtrlAltDel && m.Reason == proto.ReasonSecureAttention {
		return "Ctrl-Alt-Del not sent: Windows takes it only from the customer's own keyboard; ask them to press it"
	}
	return "The customer's computer refused input " + m.Input + " (" + m.Reason + ")"
}
