// Package input carries a technician's keyboard and mouse to the customer's
// desktop: a compact binary wire format for the input data channel, and an
// injector that replays decoded events on an X11 display through XTEST.
//
// # Message flow
//
// The technician's viewer turns each local input event into one Event and
// sends Encode's bytes as one data-channel message. The agent decodes each
// message and, if the session's grant allows input, passes the Event to an
// Injector. When focus leaves the viewer or the session ends, the viewer
// sends ReleaseAll and the agent calls Injector.ReleaseAll itself, so no key
// or button stays down on the customer's side.
//
// # Wire format
//
// Every message starts with a type byte, which is also the format's version
// knob: a new kind of message (or a new layout of an old one) takes a new
// type byte, and a decoder answers ErrUnknownType for bytes it does not know
// so that an older agent can skip newer messages. Multi-byte integers are
// little-endian. A message has exactly the length below; anything else is
// ErrMalformed.
//
//	type  name         bytes after the type byte                      total
//	0x01  PointerMove  monitor u8, x u16, y u16 (monitor pixels)      6
//	0x02  ButtonDown   button u8 (1 left, 2 middle, 3 right,          2
//	                   4 back, 5 forward)
//	0x03  ButtonUp     button u8                                      2
//	0x04  Wheel        dx i16, dy i16 (120ths of a detent;            5
//	                   positive dx right, positive dy down)
//	0x05  KeyDown      code u8 (Code, the physical key),              6
//	                   keysym u32 (X keysym, 0 if none)
//	0x06  KeyUp        code u8, keysym u32                            6
//	0x07  Text         length u16 (at most MaxText), UTF-8 bytes      3+length
//	0x08  ReleaseAll   (nothing)                                      1
//
// Type 0x00 is never used. Code values are the index of a key in the
// table in keys.go (after KeyboardEvent.code of the UI Events spec); new
// codes are only ever appended, and a decoder keeps a code it does not know.
//
// # Keys
//
// A key event names both the physical key and the keysym the technician's
// layout produced. The injector types the keysym (so the customer sees the
// character the technician meant, whatever the two layouts), and falls back
// to the physical key, read as a US layout, when the keysym is 0.
package input
