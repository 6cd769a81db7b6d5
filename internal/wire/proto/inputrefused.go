package proto

import "errors"

// TypeInputRefused tells the technician that input it sent reached the
// agent, was allowed, and still could not be given to this computer (not
// the silent drops of the policy: input outside the shared windows, or
// while the customer holds control). Agent → technician, on the control
// channel; older technicians ignore it.
const TypeInputRefused Type = "input-refused"

// What an InputRefused names, and why.
const (
	InputCtrlAltDel = "ctrl-alt-del" // the Ctrl-Alt-Del chord
	// ReasonSecureAttention: Windows takes the secure attention sequence
	// from the keyboard itself, never from a program running as the user;
	// the customer has to press it.
	ReasonSecureAttention = "secure-attention"
)

// InputRefused names input the agent could not give to the system.
type InputRefused struct {
	Input  string `json:"input"`
	Reason string `json:"reason"`
}

func (m *InputRefused) check() error {
	if m.Input == "" || m.Reason == "" {
		return errors.New("input-refused names no input or no reason")
	}
	return nil
}
