// Package capture grabs the agent's screen: frames of changed pixels and,
// separately, the mouse pointer.
//
// The flow on Linux/X11 is built so that an unchanged screen costs nothing
// and a changed one costs one memory copy done by the X server:
//
//   - Open makes one X connection for the life of the Screen and, when the
//     server offers MIT-SHM and shares memory with us (a local display), one
//     System V shared-memory segment as large as the whole screen. Every
//     frame is written by the server into that same segment; nothing is
//     allocated per frame. A remote display falls back to plain GetImage
//     (slower, and said so in a log line).
//   - DAMAGE reports, with one event, that something changed since the last
//     frame. Next waits for it, takes the changed region from the server
//     (DamageSubtract into an XFixes region, then FetchRegion), clips it to
//     the selected monitor and only then grabs the pixels. Without DAMAGE,
//     Next polls and compares the new frame with the previous one tile by
//     tile.
//   - RandR lists the monitors (GetMonitors, or the active CRTCs on servers
//     older than RandR 1.5) and tells us when the screen is resized; the
//     segment is then made again at the new size.
//   - The pointer travels on its own path (NextCursor): its position is
//     polled cheaply while someone asks for it, its shape is fetched with
//     XFixes only when the server announces a new one, so the viewer's
//     pointer stays smooth even when video is throttled.
//
// Other operating systems compile but Open returns ErrNotSupported until
// their backends exist (capture_windows.go, capture_darwin.go ...).
package capture
