package filexfer

import (
	"context"
	"errors"
	"sync"
)

var errMemClosed = errors.New("memconn closed")

// memConn is one end of an in-memory Conn pair; close ends both.
type memConn struct {
	in, out chan []byte
	done    chan struct{}
	once    *sync.Once
}

func memPipe() (*memConn, *memConn) {
	ab, ba := make(chan []byte, 64), make(chan []byte, 64)
	done, once := make(chan struct{}), &sync.Once{}
	return &memConn{in: ba, out: ab, done: done, once: once}, &memConn{in: ab, out: ba, done: done, once: once}
}

func (c *memConn) close() { c.once.Do(func() { close(c.done) }) }

func (c *memConn) Send(ctx context.Context, p []byte) error {
	select {
	case c.out <- append([]byte(nil), p...):
		return nil
	case <-c.done:
		return errMemClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *memConn) Recv(ctx context.Context) ([]byte, error) {
	select {
	case p := <-c.in:
		return p, nil
	case <-c.done:
		return nil, errMemClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
