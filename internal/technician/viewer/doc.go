// Package viewer is the technician's window onto the customer's desktop: it
// draws the remote screen, forwards the technician's keyboard and mouse as
// input.Events, and offers a toolbar (monitor choice, view-only, special
// keys, clipboard, disconnect) and a status line (path, round-trip time,
// frame rate, bitrate). Until the customer joins, SetWaiting puts the
// session's code, its link (with a copy button) and the time left where
// the screen will be. It is written with Gio and knows nothing about
// WebRTC: the technician binary feeds it decoded frames and statistics and
// reads input events and toolbar actions from its channels.
//
// # Flow
//
// A decoding goroutine converts each picture to an *image.RGBA (for example
// with vpx.I420ToRGBA) and passes it to Show. Only the newest frame is kept:
// a frame that arrives before the previous one was drawn replaces it, so a
// slow window drops frames instead of queueing them. The window goroutine
// (Run) turns each new frame into one texture upload and redraws from that
// texture until the next frame arrives.
//
// Pointer positions are mapped from window pixels to the remote monitor's
// pixels (scaled to fit with letterbox borders, or 1:1 with scrolling);
// events over the borders are dropped. Keys go out as the physical key
// (KeyboardEvent.code, guessed from Gio's key name as on a US keyboard) plus
// the keysym the technician's layout produced; text that no key names (input
// methods, non-Latin layouts) goes out as Text events. When the window loses
// focus, or view-only mode is switched on, held keys and buttons are released
// with one ReleaseAll event. In view-only mode nothing is sent at all.
//
// The customer's pointer arrives apart from the video (SetCursorShape,
// SetCursor) and is drawn over the picture with the picture's transform,
// from its own small texture, so it moves smoothly however slowly the
// video comes. It is left out while the technician's pointer is over the
// picture and they have control: their pointer then is the remote one.
package viewer
