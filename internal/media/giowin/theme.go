package giowin

import (
	"image/color"

	"gioui.org/font"
	"gioui.org/font/gofont"
	"gioui.org/text"
	"gioui.org/widget/material"
)

// Palette is a window's colours, by what they are for.
type Palette struct {
	Bg       color.NRGBA // the window's background
	Surface  color.NRGBA // buttons and panes on it
	Fg       color.NRGBA // text
	Muted    color.NRGBA // secondary text
	Accent   color.NRGBA // the main action, what is switched on or chosen
	OnAccent color.NRGBA // text on Accent
	Danger   color.NRGBA // stop, deny, end
	Good     color.NRGBA // allow
	Field    color.NRGBA // the inside of text fields
	Disabled color.NRGBA // a button that does not act yet
}

// Dark is the viewer's and the agent's window's palette: both sit over
// the customer's desktop, where a dark frame draws the least attention
// from it.
var Dark = Palette{
	Bg:       color.NRGBA{R: 0x26, G: 0x2b, B: 0x33, A: 0xff},
	Surface:  color.NRGBA{R: 0x3a, G: 0x41, B: 0x4d, A: 0xff},
	Fg:       color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff},
	Muted:    color.NRGBA{R: 0xa8, G: 0xb0, B: 0xbc, A: 0xff},
	Accent:   color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0xff},
	OnAccent: color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff},
	Danger:   color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff},
	Good:     color.NRGBA{R: 0x1e, G: 0x8a, B: 0x4c, A: 0xff},
	Field:    color.NRGBA{R: 0x15, G: 0x18, B: 0x1d, A: 0xff},
	Disabled: color.NRGBA{R: 0x4a, G: 0x4f, B: 0x57, A: 0xff},
}

// Light is the desk's palette: a window for reading conversations.
var Light = Palette{
	Bg:       color.NRGBA{R: 0xf6, G: 0xf7, B: 0xf9, A: 0xff},
	Surface:  color.NRGBA{R: 0xe8, G: 0xeb, B: 0xf0, A: 0xff},
	Fg:       color.NRGBA{R: 0x1b, G: 0x1f, B: 0x24, A: 0xff},
	Muted:    color.NRGBA{R: 0x4a, G: 0x52, B: 0x5e, A: 0xff},
	Accent:   color.NRGBA{R: 0x1e, G: 0x5f, B: 0xc0, A: 0xff},
	OnAccent: color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff},
	Danger:   color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff},
	Good:     color.NRGBA{R: 0x1e, G: 0x8a, B: 0x4c, A: 0xff},
	Field:    color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff},
	Disabled: color.NRGBA{R: 0xc4, G: 0xc9, B: 0xd1, A: 0xff},
}

// Theme returns a material theme in p's colours that shapes text with
// faces, or with the Go font's regular face alone when there are none.
// Only embedded fonts: scanning the system's fonts would cost more than
// opening the window, and loading the whole Go collection (for bold)
// costs more than one face, so a window asks only for what it draws.
func Theme(p Palette, faces ...font.FontFace) *material.Theme {
	if len(faces) == 0 {
		faces = gofont.Regular()
	}
	th := material.NewTheme()
	th.Shaper = text.NewShaper(text.NoSystemFonts(), text.WithCollection(faces))
	th.Palette = material.Palette{Bg: p.Bg, Fg: p.Fg, ContrastBg: p.Accent, ContrastFg: p.OnAccent}
	return th
}
