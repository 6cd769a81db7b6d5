// Package screen streams a desktop between the peers: the agent's Sender
// turns captured frames into VP8/VP9 on the link's video track, and the
// technician's Receiver turns the track back into pictures.
//
// # Sender
//
// The sender is driven by damage, not by a clock: it waits for the capture
// source to report a change, converts only the changed rectangles from BGRX
// to the one reused I420 picture, encodes it, and writes the frame to the
// track. An unchanged screen therefore costs nothing and sends nothing.
// Frames are paced to at most MaxFPS; changes that arrive in between are
// merged by the capture source into the next frame. A keyframe is sent for
// the first frame, on the receiver's request (PLI/FIR) and after a size
// change. The encoder's bitrate follows the link's congestion controller.
// When rate control drops a frame, the same picture is encoded again one
// frame interval later, so the last change of a burst always arrives.
//
// For latency measurement every sent frame is announced by a FrameInfo
// carrying its RTP timestamp and capture time, which the session sends on
// the control channel.
//
// A Gate between the capture and the sender lets frames out only while a
// state allows it — the customer shares the agent's screen, or the
// technician's is shown in demonstration mode — capturing nothing while
// it does not.
//
// # Receiver
//
// The receiver reassembles RTP packets into frames by timestamp and marker
// bit (not by waiting for the next frame, which would hold the last frame
// of a burst back indefinitely on an idle screen), decodes them, and hands
// each picture to a callback. A frame with a gap holds back the complete
// frames behind it while NACK retransmissions may still fill it: 150 ms
// from when it started to hold one back (not from its first packet: at a
// low bitrate the pacer spreads one frame over longer than that), a second
// for a keyframe. A gap it cannot fill drops the frame and asks the sender
// for a keyframe; until one arrives, delta frames are dropped as soon as
// they are seen to be deltas, so that none holds the keyframe back.
package screen
