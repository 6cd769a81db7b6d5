package chat

import (
	"context"
	"sync"

	"github.com/tandem-remote/tandem/internal/link/peer"
)

// pipeEnd is one end of an in-memory, reliable, ordered message pipe that
// behaves like a *peer.Channel: after close, queued messages are still
// read, then Recv and Send answer peer.ErrChannelClosed.
type pipeEnd struct {
	out    chan<- []byte
	in     <-chan []byte
	closed chan struct{}
	once   *sync.Once
}

func pipe() (*pipeEnd, *pipeEnd) {
	ab, ba := make(chan []byte, 16), make(chan []byte, 16)
	closed, once := make(chan struct{}), &sync.Once{}
	return &pipeEnd{ab, ba, closed, once}, &pipeEnd{ba, ab, closed, once}
}

func (p *pipeEnd) close() { p.once.Do(func() { close(p.closed) }) }

func (p *pipeEnd) Send(ctx context.Context, b []byte) error {
	select {
	case <-p.closed:
		return peer.ErrChannelClosed
	default:
	}
	select {
	case p.out <- append([]byte(nil), b...):
		return nil
	case <-p.closed:
		return peer.ErrChannelClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeEnd) Recv(ctx context.Context) ([]byte, error) {
	select {
	case b := <-p.in:
		return b, nil
	default:
	}
	select {
	case b := <-p.in:
		return b, nil
	case <-p.closed:
		select {
		case b := <-p.in:
			return b, nil
		default:
			return nil, peer.ErrChannelClosed
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
