package vpx

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"
)

// bt601 is the limited-range BT.601 colour an RGB pixel should become,
// from the standard's formula (not libyuv's fixed-point code).
func bt601(r, g, b byte) (y, u, v float64) {
	R, G, B := float64(r)/255, float64(g)/255, float64(b)/255
	y = 16 + 65.481*R + 128.553*G + 24.966*B
	u = 128 - 37.797*R - 74.203*G + 112*B
	v = 128 + 112*R - 93.786*G - 18.214*B
	return y, u, v
}

var colours = []struct {
	name    string
	r, g, b byte
}{
	{"black", 0, 0, 0},
	{"white", 255, 255, 255},
	{"red", 255, 0, 0},
	{"green", 0, 255, 0},
	{"blue", 0, 0, 255},
	{"orange", 255, 128, 0},
	{"grey", 128, 128, 128},
}

func near(got byte, want float64, tol float64) bool {
	d := float64(got) - want
	return d >= -tol && d <= tol
}

func TestBGRXToI420Colours(t *testing.T) {
	for _, c := range colours {
		t.Run(c.name, func(t *testing.T) {
			const w, h = 6, 4
			src := make([]byte, w*h*4)
			for i := 0; i < len(src); i += 4 {
				// X11 byte order B, G, R, X; X is junk that must be ignored.
				src[i], src[i+1], src[i+2], src[i+3] = c.b, c.g, c.r, 0x5a
			}
			dst := NewI420(w, h)
			if err := BGRXToI420(dst, src, w*4); err != nil {
				t.Fatal(err)
			}
			y, u, v := bt601(c.r, c.g, c.b)
			if !near(dst.Y[w+1], y, 2) || !near(dst.U[1], u, 2) || !near(dst.V[1], v, 2) {
				t.Errorf("YUV = %d,%d,%d, want %.1f,%.1f,%.1f", dst.Y[w+1], dst.U[1], dst.V[1], y, u, v)
			}
		})
	}
}

func TestI420ToRGBAColours(t *testing.T) {
	for _, c := range colours {
		t.Run(c.name, func(t *testing.T) {
			const w, h = 6, 4
			src := NewI420(w, h)
			y, u, v := bt601(c.r, c.g, c.b)
			fillPlane(src.Y, byte(y+0.5))
			fillPlane(src.U, byte(u+0.5))
			fillPlane(src.V, byte(v+0.5))
			dst := image.NewRGBA(image.Rect(0, 0, w, h))
			if err := I420ToRGBA(dst, src); err != nil {
				t.Fatal(err)
			}
			got := dst.Pix[dst.PixOffset(3, 2):][:4]
			want := []byte{c.r, c.g, c.b, 255}
			for i := range want {
				if !near(got[i], float64(want[i]), 4) {
					t.Fatalf("RGBA = %v, want %v (±4)", got, want)
				}
			}
		})
	}
}

func fillPlane(p []byte, v byte) {
	for i := range p {
		p[i] = v
	}
}

func TestBGRXToI420RectTouchesOnlyRect(t *testing.T) {
	const w, h, sentinel = 64, 48, 0x55
	src := make([]byte, w*h*4) // black: Y 16, U and V 128
	dst := NewI420(w, h)
	fillPlane(dst.Y, sentinel)
	fillPlane(dst.U, sentinel)
	fillPlane(dst.V, sentinel)

	got, err := BGRXToI420Rect(dst, src, w*4, image.Rect(11, 7, 30, 20))
	if err != nil {
		t.Fatal(err)
	}
	want := image.Rect(10, 6, 30, 20) // grown to even coordinates
	if got != want {
		t.Fatalf("converted %v, want %v", got, want)
	}
	checkPlane(t, "Y", dst.Y, dst.StrideY, w, h, want, 16, sentinel)
	cr := image.Rect(want.Min.X/2, want.Min.Y/2, want.Max.X/2, want.Max.Y/2)
	checkPlane(t, "U", dst.U, dst.StrideUV, w/2, h/2, cr, 128, sentinel)
	checkPlane(t, "V", dst.V, dst.StrideUV, w/2, h/2, cr, 128, sentinel)
}

func checkPlane(t *testing.T, name string, p []byte, stride, w, h int, in image.Rectangle, inside, outside byte) {
	t.Helper()
	for y := range h {
		for x := range w {
			want := outside
			if (image.Point{x, y}).In(in) {
				want = inside
			}
			if got := p[y*stride+x]; got != want {
				t.Fatalf("%s(%d,%d) = %d, want %d", name, x, y, got, want)
			}
		}
	}
}

func TestBGRXToI420RectClipsAndRejects(t *testing.T) {
	dst := NewI420(20, 10)
	src := make([]byte, 20*10*4)
	if r, err := BGRXToI420Rect(dst, src, 80, image.Rect(15, 5, 40, 40)); err != nil || r != image.Rect(14, 4, 20, 10) {
		t.Errorf("clipped rect = %v, %v; want (14,4)-(20,10)", r, err)
	}
	if r, err := BGRXToI420Rect(dst, src, 80, image.Rect(30, 30, 40, 40)); err != nil || !r.Empty() {
		t.Errorf("rect outside the frame = %v, %v; want empty", r, err)
	}
	if err := BGRXToI420(dst, src[:len(src)-1], 80); err == nil {
		t.Error("short BGRX frame accepted")
	}
	bad := *dst
	bad.Y = bad.Y[:50]
	if err := BGRXToI420(&bad, src, 80); err == nil {
		t.Error("short Y plane accepted")
	}
	if err := I420ToRGBA(image.NewRGBA(image.Rect(0, 0, 10, 10)), dst); err == nil {
		t.Error("RGBA of the wrong size accepted")
	}
}

// TestReferenceMatchesLibyuv keeps the benchmark's baseline honest: the
// plain-Go converter computes the same picture as libyuv.
func TestReferenceMatchesLibyuv(t *testing.T) {
	const w, h = 64, 32
	rng := rand.New(rand.NewPCG(7, 7))
	src := make([]byte, w*h*4)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	a, b := NewI420(w, h), NewI420(w, h)
	if err := BGRXToI420(a, src, w*4); err != nil {
		t.Fatal(err)
	}
	refBGRXToI420(b, src, w*4)
	for _, p := range [][2][]byte{{a.Y, b.Y}, {a.U, b.U}, {a.V, b.V}} {
		for i := range p[0] {
			if d := int(p[0][i]) - int(p[1][i]); d < -2 || d > 2 {
				t.Fatalf("sample %d: libyuv %d, reference %d", i, p[0][i], p[1][i])
			}
		}
	}
	if bytes.Equal(a.Y, make([]byte, len(a.Y))) {
		t.Fatal("libyuv wrote nothing")
	}
}

// refBGRXToI420 is a straightforward Go converter, the benchmark baseline:
// libyuv's BT.601 formulas, one 2×2 block at a time, one goroutine. It
// handles even sizes only.
func refBGRXToI420(dst *I420, src []byte, stride int) {
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
