package input

import "image"

// Target is where an event would act, for an injector's Allow option.
type Target struct {
	Pointer bool        // a pointer event at Point; else a keyboard event
	Point   image.Point // desktop coordinates (X11: the root window's)
	Window  uint32      // the top-level window with the keyboard focus (0: none)
}
