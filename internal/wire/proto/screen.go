package proto

import "errors"

// Control-channel messages about the shared screen, exchanged between the
// peers once the link is up: the agent describes its monitors
// (ScreenInfo), the technician picks one (SelectMonitor), and the agent
// announces each video frame it sends (FrameInfo) so the technician can
// measure capture-to-display latency.
const (
	TypeScreenInfo    Type = "screen-info"    // agent → technician
	TypeSelectMonitor Type = "select-monitor" // technician → agent
	TypeFrameInfo     Type = "frame"          // agent → technician
)

// Monitor is one of the agent's monitors, in virtual-screen pixels.
type Monitor struct {
	ID      int    `json:"id"`
	Name    string `json:"name,omitempty"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Primary bool   `json:"primary,omitempty"`
}

// ScreenInfo lists the agent's monitors and which one is shared (0: all).
type ScreenInfo struct {
	Monitors []Monitor `json:"monitors"`
	Current  int       `json:"current"`
}

// SelectMonitor asks the agent to share monitor ID (0: all).
type SelectMonitor struct {
	ID int `json:"id"`
}

func (s *SelectMonitor) check() error {
	if s.ID < 0 {
		return errors.New("negative monitor id")
	}
	return nil
}

// FrameInfo announces a sent video frame: its RTP timestamp and when it was
// captured (Unix nanoseconds on the agent's clock).
type FrameInfo struct {
	RTPTime  uint32 `json:"ts"`
	Captured int64  `json:"cap"`
	Bytes    int    `json:"bytes"`
	Keyframe bool   `json:"key,omitempty"`
}
