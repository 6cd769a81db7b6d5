package capture

import (
	"fmt"
	"github.com/tandem-remote/tandem/internal/media/xconn"
	"image"
	"log/slog"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"
)

// segment is one System V shared-memory segment attached both here and in
// the X server, which writes every captured frame into it.
type segment struct {
	id  int
	buf []byte
	seg shm.Seg
}

// newSegment creates and attaches a segment of size bytes. It is marked for
// removal as soon as both sides are attached, so the kernel frees it even
// if this process dies without Close.
func newSegment(c *xgb.Conn, size int) (*segment, error) {
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|0o600)
	if err != nil {
		return nil, fmt.Errorf("create shared memory: %w", err)
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	buf, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("attach shared memory: %w", err)
	}
	seg, err := shm.NewSegId(c)
	if err == nil {
		err = shm.AttachChecked(c, seg, uint32(id), false).Check()
	}
	if err != nil {
		unix.SysvShmDetach(buf)
		return nil, fmt.Errorf("share memory with the X server: %w", err)
	}
	return &segment{id: id, buf: buf, seg: seg}, nil
}

// captureState is what Next keeps between frames: the segment (or, without
// shared memory, the last reply), the previous frame for tile comparison,
// and the frame handed out.
type captureState struct {
	seg     *segment
	size    image.Point // root size the segment was made for
	prev    []byte      // previous frame, only when comparing tiles
	scratch []image.Rectangle
	spans   []span
	cookies []shm.GetImageCookie
	frame   Frame
	area    image.Rectangle // what the last frame showed
	monitor int
	touched byte // what Prepare read of the segment, unused
}

// resize (re)creates the segment for a root window of the given size. When
// shared memory cannot be used it logs why once and grabs without it.
func (cs *captureState) resize(c *xgb.Conn, size image.Point, wantSHM bool, log *slog.Logger) error {
	if cs.seg != nil {
		shm.Detach(c, cs.seg.seg)
		cs.unmap()
	}
	// A new segment holds nothing yet: forget the last area so that the
	// next frame is grabbed whole.
	cs.size, cs.prev, cs.area = size, nil, image.Rectangle{}
	if !wantSHM {
		log.Info("capture: MIT-SHM disabled, using plain GetImage")
		return nil
	}
	if err := xconn.Ext(c, "MIT-SHM", shm.Init); err != nil {
		log.Info("capture: no MIT-SHM extension (remote display?), using plain GetImage, about 15x slower")
		return nil
	}
	seg, err := newSegment(c, 4*size.X*size.Y)
	if err != nil {
		log.Info("capture: MIT-SHM unusable (remote display?), using plain GetImage, about 15x slower", "err", err)
		return nil
	}
	cs.seg = seg
	log.Debug("capture: MIT-SHM segment ready", "width", size.X, "height", size.Y)
	return nil
}

// grab copies the area of the root window into memory and returns it as
// rows of 4*r.Dx() bytes.
func (cs *captureState) grab(c *xgb.Conn, root xproto.Window, r image.Rectangle) ([]byte, error) {
	x, y, w, h := int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy())
	if cs.seg != nil {
		_, err := shm.GetImage(c, xproto.Drawable(root), x, y, w, h, ^uint32(0), xproto.ImageFormatZPixmap, cs.seg.seg, 0).Reply()
		if err != nil {
			return nil, fmt.Errorf("grab screen (shared memory): %w", err)
		}
		return cs.seg.buf[:4*int(w)*int(h)], nil
	}
	rep, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(root), x, y, w, h, ^uint32(0)).Reply()
	if err != nil {
		return nil, fmt.Errorf("grab screen: %w", err)
	}
	if len(rep.Data) < 4*int(w)*int(h) {
		return nil, fmt.Errorf("grab screen: short image (%d bytes for %dx%d)", len(rep.Data), w, h)
	}
	return rep.Data, nil
}

// grabRows refreshes only the rows that dirty touches, full width, in
// place: the segment keeps the previous frame of the same area, so the
// result is a whole, current frame for a fraction of the copying. The
// requests are pipelined, one reply wait for all. Without shared memory it
// grabs everything.
func (cs *captureState) grabRows(c *xgb.Conn, root xproto.Window, r image.Rectangle, dirty []image.Rectangle) ([]byte, error) {
	if cs.seg == nil {
		return cs.grab(c, root, r)
	}
	stride := 4 * r.Dx()
	cs.spans = rowSpans(cs.spans, dirty)
	cs.cookies = cs.cookies[:0]
	for _, sp := range cs.spans {
		cs.cookies = append(cs.cookies, shm.GetImage(c, xproto.Drawable(root), int16(r.Min.X), int16(r.Min.Y+sp.lo),
			uint16(r.Dx()), uint16(sp.hi-sp.lo), ^uint32(0), xproto.ImageFormatZPixmap, cs.seg.seg, uint32(sp.lo*stride)))
	}
	for _, ck := range cs.cookies {
		if _, err := ck.Reply(); err != nil {
			return nil, fmt.Errorf("grab changed rows (shared memory): %w", err)
		}
	}
	return cs.seg.buf[:stride*r.Dy()], nil
}

// release tells the server to let go of the segment.
func (cs *captureState) release(c *xgb.Conn) {
	if cs.seg != nil {
		shm.Detach(c, cs.seg.seg)
	}
}

// unmap frees our side of the segment; the kernel frees the rest.
func (cs *captureState) unmap() {
	if cs.seg != nil {
		unix.SysvShmDetach(cs.seg.buf)
		cs.seg = nil
	}
}
