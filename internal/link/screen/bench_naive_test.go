package screen

import (
	"context"
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// The naive pipeline is the benchmarks' baseline: what a screen sharer
// without change detection does. It polls the whole screen at 30 fps
// (through one reused MIT-SHM segment, so capture itself is not what
// differs), converts every full frame with a plain-Go BGRX→I420, and
// encodes every frame, with the same encoder settings and packetizer as
// the Sender.

// naiveCapture grabs the whole root window into one shared segment.
type naiveCapture struct {
	conn *xgb.Conn
	root xproto.Window
	seg  shm.Seg
	buf  []byte
	w, h int
}

func openNaiveCapture(display string) (*naiveCapture, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("naive capture: %w", err)
	}
	scr := xproto.Setup(c).DefaultScreen(c)
	n := &naiveCapture{conn: c, root: scr.Root, w: int(scr.WidthInPixels), h: int(scr.HeightInPixels)}
	if err := n.attach(); err != nil {
		c.Close()
		return nil, fmt.Errorf("naive capture: %w", err)
	}
	return n, nil
}

func (n *naiveCapture) attach() error {
	if err := shm.Init(n.conn); err != nil {
		return err
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4*n.w*n.h, unix.IPC_CREAT|0o600)
	if err != nil {
		return err
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	if n.buf, err = unix.SysvShmAttach(id, 0, 0); err != nil {
		return err
	}
	if n.seg, err = shm.NewSegId(n.conn); err == nil {
		err = shm.AttachChecked(n.conn, n.seg, uint32(id), false).Check()
	}
	if err != nil {
		unix.SysvShmDetach(n.buf)
	}
	return err
}

func (n *naiveCapture) grab() ([]byte, error) {
	_, err := shm.GetImage(n.conn, xproto.Drawable(n.root), 0, 0, uint16(n.w), uint16(n.h), ^uint32(0),
		xproto.ImageFormatZPixmap, n.seg, 0).Reply()
	return n.buf, err
}

func (n *naiveCapture) close() {
	shm.Detach(n.conn, n.seg)
	n.conn.Close()
	unix.SysvShmDetach(n.buf)
}

// runNaive streams display the naive way until ctx ends.
func runNaive(ctx context.Context, nc *naiveCapture, cfg pipelineConfig) error {
	enc, err := vpx.NewEncoder(vpx.Config{Codec: vpx.VP8, Width: nc.w, Height: nc.h, BitrateKbps: 4000, FPS: 30})
	if err != nil {
		return err
	}
	defer enc.Close()
	pack, err := newPacketizer(vpx.VP8)
	if err != nil {
		return err
	}
	pic := vpx.NewI420(nc.w, nc.h)
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	start, seq := time.Now(), uint64(0)
	for first := true; ; first = false {
		if !first { // the first frame at once, then on the clock
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
		pix, err := nc.grab()
		if err != nil {
			return err
		}
		captured := time.Now()
		goBGRXToI420(pic, pix, 4*nc.w)
		pts := int64(captured.Sub(start))*vpx.ClockRate/int64(time.Second) + 1
		key := first
		select {
		case <-cfg.keyframes:
			key = true
		default:
		}
		if cfg.encodes != nil {
			cfg.encodes.Add(1)
		}
		frame, isKey, err := enc.Encode(pic, pts, key)
		if err != nil {
			return err
		}
		if frame == nil {
			continue
		}
		ts := pack.timestamp(pts)
		if err := pack.write(cfg.track, frame, ts, 0, 0); err != nil {
			return err
		}
		seq++
		cfg.onFrame(FrameInfo{Seq: seq, RTPTime: ts, Captured: captured, Bytes: len(frame), Keyframe: isKey})
	}
}

// goBGRXToI420 is a plain-Go BT.601 converter of a whole frame (the
// reference converter of internal/media/vpx's tests): what a pure-Go pipeline
// does without libyuv.
func goBGRXToI420(dst *vpx.I420, src []byte, stride int) {
	w := dst.Width
	for cy := range dst.Height / 2 {
		r0, r1 := src[2*cy*stride:][:w*4], src[(2*cy+1)*stride:][:w*4]
		y0, y1 := dst.Y[2*cy*dst.StrideY:][:w], dst.Y[(2*cy+1)*dst.StrideY:][:w]
		u, v := dst.U[cy*dst.StrideUV:][:w/2], dst.V[cy*dst.StrideUV:][:w/2]
		for cx := range w / 2 {
			a, b := r0[cx*8:cx*8+8], r1[cx*8:cx*8+8]
			y0[2*cx] = luma(a[0], a[1], a[2])
			y0[2*cx+1] = luma(a[4], a[5], a[6])
			y1[2*cx] = luma(b[0], b[1], b[2])
			y1[2*cx+1] = luma(b[4], b[5], b[6])
			bs := (int(a[0]) + int(a[4]) + int(b[0]) + int(b[4]) + 2) >> 2
			gs := (int(a[1]) + int(a[5]) + int(b[1]) + int(b[5]) + 2) >> 2
			rs := (int(a[2]) + int(a[6]) + int(b[2]) + int(b[6]) + 2) >> 2
			u[cx] = byte((112*bs - 74*gs - 38*rs + 0x8080) >> 8)
			v[cx] = byte((112*rs - 94*gs - 18*bs + 0x8080) >> 8)
		}
	}
}

func luma(b, g, r byte) byte {
	return byte((66*int(r) + 129*int(g) + 25*int(b) + 0x1080) >> 8)
}
