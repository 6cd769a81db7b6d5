// Package capture grabs the agent's screen: frames of changed pixels and,
// separately, the mouse pointer.
//
// The flow on Linux/X11 is built so that an unchanged screen costs nothing
// and a changed one costs one memory copy, done by the X server, of the rows
// that changed:
//
//   - Open makes one X connection for the life of the Screen and, when the
//     server offers MIT-SHM and shares memory with us (a local display), one
//     System V shared-memory segment as large as the whole screen. The server
//     writes every frame into that same segment; no buffer is allocated per
//     frame (only xgb's few small request and reply objects). A remote
//     display falls back to plain GetImage, slower, and says so in a log line.
//   - DAMAGE reports, with one event, that something changed since the last
//     frame. Next waits for it, takes the changed region from the server
//     (DamageSubtract into an XFixes region, then FetchRegion), clips it to
//     the selected monitor and grabs only the rows it touches, in place: the
//     segment still holds the rest of the previous frame, so Frame.Pix is
//     always a whole, current picture and Frame.Dirty says which rectangles
//     to convert and encode. Without DAMAGE, Next polls and compares the new
//     frame with the previous one tile by tile.
//   - RandR lists the monitors (GetMonitors, or the active CRTCs on servers
//     older than RandR 1.5) and tells us when the screen is resized; the
//     segment is then made again at the new size. Monitors defined by a
//     client (xrandr --setmonitor) change without an event, so Next rereads
//     the layout once a second while frames flow.
//   - The pointer travels on its own path (NextCursor): its position is
//     sampled while someone asks for it, its shape is fetched with XFixes
//     only when the server announces a new one, so the viewer's pointer stays
//     smooth even when video is throttled.
//
// Other operating systems compile, but Open returns ErrNotSupported until
// their backends exist (capture_windows.go, capture_darwin.go ...).
package capture
