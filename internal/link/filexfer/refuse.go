package filexfer

import (
	"context"
	"fmt"
)

// Refuse serves conn for a side that takes no files in this session (its
// grant has no file transfer, or its folder is unusable): every offer and
// download request the other side starts is refused at once with reason,
// so that the other side's transfer ends instead of waiting for the
// session's end. Nothing is written or read on disk. It returns when ctx
// ends or conn fails.
func Refuse(ctx context.Context, conn Conn, reason string) error {
	why := fmt.Errorf("%w: %s", ErrRefused, reason)
	for {
		p, err := conn.Recv(ctx)
		if err != nil {
			return fmt.Errorf("file transfer: %w", err)
		}
		m, err := decodeMessage(p)
		if err != nil || !m.Mine || (m.Type != msgOffer && m.Type != msgRequest) {
			continue // data or answers for no transfer of ours: nothing to say
		}
		k := key{local: false, id: m.ID}
		if err := conn.Send(ctx, appendMessage(nil, abortMsg(msgRefuse, k, why))); err != nil {
			return fmt.Errorf("send file message: %w", err)
		}
	}
}
