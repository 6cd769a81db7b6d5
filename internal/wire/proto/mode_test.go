package proto

import "testing"

func init() {
	golden = append(golden,
		struct {
			name string
			typ  Type
			body any
		}{"mode-request", TypeModeRequest, ModeRequest{ID: 7, Mode: ModeControl}},
		struct {
			name string
			typ  Type
			body any
		}{"mode", TypeModeState, ModeState{Mode: ModeView, InputSuspended: true, AppsOnly: true, Request: 7, Answer: AnswerRefused}},
	)
}

func TestModeChecks(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  Type
		body string
	}{
		{"unknown mode", TypeModeRequest, `{"id":1,"mode":"root"}`},
		{"empty request", TypeModeRequest, `{"id":1}`},
		{"state unknown mode", TypeModeState, `{"mode":"x"}`},
		{"answer missing", TypeModeState, `{"mode":"view","request":3}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, err := Decode([]byte(`{"v":1,"type":"` + string(c.typ) + `","body":` + c.body + `}`))
			if err != nil {
				t.Fatalf("envelope: %v", err)
			}
			var bodyErr error
			if c.typ == TypeModeRequest {
				_, bodyErr = Body[ModeRequest](env)
			} else {
				_, bodyErr = Body[ModeState](env)
			}
			if bodyErr == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestModeStatePredicates(t *testing.T) {
	for _, c := range []struct {
		s            ModeState
		input, share bool
	}{
		{ModeState{}, false, false},
		{ModeState{Mode: ModeView}, false, true},
		{ModeState{Mode: ModeControl}, true, true},
		{ModeState{Mode: ModeControl, InputSuspended: true}, false, true},
		{ModeState{Mode: ModeControl, Paused: true}, false, false},
		{ModeState{Mode: ModeDemonstrate}, false, false},
	} {
		if got := c.s.InputAllowed(); got != c.input {
			t.Errorf("%+v InputAllowed = %v", c.s, got)
		}
		if got := c.s.Sharing(); got != c.share {
			t.Errorf("%+v Sharing = %v", c.s, got)
		}
	}
}
