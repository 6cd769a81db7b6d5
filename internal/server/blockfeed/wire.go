package blockfeed

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
)

// Path is where the signaling server serves the feed.
const Path = "/v1/relay/blocks"

// maxBlocks bounds the list a relay accepts (and so its memory).
const maxBlocks = 100_000

// Block is one blocked prefix; a zero Until never ends.
type Block struct {
	Prefix netip.Prefix `json:"prefix"`
	Until  time.Time    `json:"until,omitzero"`
}

// List is the feed's response body.
type List struct {
	Blocks []Block `json:"blocks"`
}

// parseList reads a feed response: every prefix valid and normalized
// (IPv4-mapped unmapped, masked), at most maxBlocks of them.
func parseList(b []byte) (List, error) {
	var l List
	if err := json.Unmarshal(b, &l); err != nil {
		return List{}, fmt.Errorf("block feed: %w", err)
	}
	if len(l.Blocks) > maxBlocks {
		return List{}, fmt.Errorf("block feed: %d blocks, more than %d", len(l.Blocks), maxBlocks)
	}
	for i, bl := range l.Blocks {
		if !bl.Prefix.IsValid() {
			return List{}, fmt.Errorf("block feed: block %d has no prefix", i)
		}
		l.Blocks[i].Prefix = netprefix.Normalize(bl.Prefix)
	}
	return l, nil
}
