package proto

import (
	"errors"
	"fmt"
)

// Control-channel messages about what the technician may do, exchanged once
// the link is up. The technician asks for a mode (ModeRequest); the agent
// asks its customer, checks the operator's signed grant, and answers with
// the state now in force (ModeState), echoing the request's ID. The agent
// also sends ModeState on its own whenever the customer pauses, takes back
// control, resumes or changes which applications are shared. Until the
// first request is allowed, nothing is shared.
const (
	TypeModeRequest Type = "mode-request" // technician → agent
	TypeModeState   Type = "mode"         // agent → technician
)

// Mode is what the link is used for.
type Mode string

// Modes. ModeNone means nothing is shared (before consent, or after a
// refusal of the first request).
const (
	ModeNone        Mode = ""
	ModeView        Mode = "view"        // the technician sees the customer's screen
	ModeControl     Mode = "control"     // ... and sends input to it
	ModeDemonstrate Mode = "demonstrate" // the customer sees the technician's screen
)

// ParseMode returns the mode called s, or an error naming the modes.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeView, ModeControl, ModeDemonstrate:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q: use view, control or demonstrate", s)
}

// ModeRequest asks the agent to switch to Mode. ID is chosen by the
// technician and echoed in the answer.
type ModeRequest struct {
	ID   uint32 `json:"id"`
	Mode Mode   `json:"mode"`
}

func (m *ModeRequest) check() error {
	if _, err := ParseMode(string(m.Mode)); err != nil {
		return err
	}
	return nil
}

// Answers to a ModeRequest.
const (
	AnswerAllowed    = "allowed"     // the customer said yes
	AnswerRefused    = "refused"     // the customer said no
	AnswerTimeout    = "timeout"     // the customer did not answer in time (a refusal)
	AnswerNotGranted = "not-granted" // the operator's grant does not include it
	AnswerNotHere    = "unavailable" // this agent cannot do it (no screen, no window)
)

// ModeState is the state in force on the agent. Request and Answer are set
// when the message answers a ModeRequest.
type ModeState struct {
	Mode           Mode   `json:"mode"`
	Paused         bool   `json:"paused,omitempty"`          // the customer paused: no video, no input
	InputSuspended bool   `json:"input_suspended,omitempty"` // the customer took back control
	AppsOnly       bool   `json:"apps_only,omitempty"`       // only chosen application windows are shared
	Request        uint32 `json:"request,omitempty"`
	Answer         string `json:"answer,omitempty"`
}

func (m *ModeState) check() error {
	if m.Mode != ModeNone {
		if _, err := ParseMode(string(m.Mode)); err != nil {
			return err
		}
	}
	if m.Request != 0 && m.Answer == "" {
		return errors.New("mode answer without a verdict")
	}
	return nil
}

// InputAllowed reports whether the agent injects the technician's input in
// state m.
func (m ModeState) InputAllowed() bool {
	return m.Mode == ModeControl && !m.Paused && !m.InputSuspended
}

// Sharing reports whether the agent's screen is sent in state m.
func (m ModeState) Sharing() bool {
	return (m.Mode == ModeView || m.Mode == ModeControl) && !m.Paused
}
