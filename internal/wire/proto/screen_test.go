package proto

func init() {
	golden = append(golden,
		struct {
			name string
			typ  Type
			body any
		}{"screen-info", TypeScreenInfo, ScreenInfo{Monitors: []Monitor{{ID: 1, Name: "DP-1", Width: 1920, Height: 1080, Primary: true}, {ID: 2, Name: "HDMI-1", X: 1920, Width: 1280, Height: 1024}}, Current: 1}},
		struct {
			name string
			typ  Type
			body any
		}{"select-monitor", TypeSelectMonitor, SelectMonitor{ID: 2}},
		struct {
			name string
			typ  Type
			body any
		}{"frame", TypeFrameInfo, FrameInfo{RTPTime: 3000, Captured: 1795560000123456789, Bytes: 1532, Keyframe: true}},
	)
}

func init() {
	golden = append(golden,
		struct {
			name string
			typ  Type
			body any
		}{"clipboard", TypeClipboard, Clipboard{Text: "Bonjour, ça va ?"}},
	)
}
