package session

import (
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// CodecOf is the decoder for a received video track's MIME type: both
// sides receive video (the agent in demonstration mode).
func CodecOf(mime string) vpx.Codec {
	if mime == peer.CodecVP9 {
		return vpx.VP9
	}
	return vpx.VP8
}
