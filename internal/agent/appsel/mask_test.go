package appsel

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
	"time"
)

// maskNaive is the per-pixel reference MaskBGRX is checked and measured
// against.
func maskNaive(pix []byte, stride int, origin, size image.Point, r Region) {
	if r.All {
		return
	}
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			if !r.Contains(origin.Add(image.Pt(x, y))) {
				o := y*stride + x*4
				pix[o], pix[o+1], pix[o+2], pix[o+3] = 0, 0, 0, 0
			}
		}
	}
}

func filled(n int) []byte {
	return bytes.Repeat([]byte{0x11}, n)
}

func TestMaskMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 200 {
		origin := image.Pt(rng.IntN(40)-20, rng.IntN(40)-20)
		size := image.Pt(1+rng.IntN(60), 1+rng.IntN(40))
		stride := size.X*4 + 4*rng.IntN(3) // padding bytes stay untouched
		var r Region
		for range rng.IntN(6) {
			x, y := rng.IntN(100)-30, rng.IntN(80)-30
			r.Rects = append(r.Rects, image.Rect(x, y, x+1+rng.IntN(40), y+1+rng.IntN(30)))
		}
		got, want := filled(stride*size.Y), filled(stride*size.Y)
		MaskBGRX(got, stride, origin, size, r)
		maskNaive(want, stride, origin, size, r)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: origin %v size %v region %v: MaskBGRX differs from per-pixel mask", i, origin, size, r.Rects)
		}
	}
}

func TestMaskEdges(t *testing.T) {
	size := image.Pt(8, 4)
	for _, tc := range []struct {
		name string
		r    Region
		kept int // pixels left non-zero
	}{
		{"all keeps everything", Region{All: true}, 32},
		{"empty clears everything", Region{}, 0},
		{"outside clears everything", Region{Rects: []image.Rectangle{image.Rect(100, 100, 200, 200)}}, 0},
		{"covering keeps everything", Region{Rects: []image.Rectangle{image.Rect(-5, -5, 50, 50)}}, 32},
		{"one column", Region{Rects: []image.Rectangle{image.Rect(3, 0, 4, 4)}}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pix := filled(size.X * size.Y * 4)
			MaskBGRX(pix, size.X*4, image.Pt(0, 0), size, tc.r)
			if got := bytes.Count(pix, []byte{0x11, 0x11, 0x11, 0x11}); got != tc.kept {
				t.Errorf("%d pixels kept, want %d", got, tc.kept)
			}
		})
	}
}

// BenchmarkMask1080p masks a 1920×1080 frame showing three overlapping
// application windows: MaskBGRX against the per-pixel baseline in the same
// run, with the ratio printed.
func BenchmarkMask1080p(b *testing.B) {
	size := image.Pt(1920, 1080)
	r := Region{Rects: visible(image.Rectangle{Max: size},
		[]image.Rectangle{image.Rect(200, 150, 900, 700), image.Rect(600, 400, 1500, 1000), image.Rect(1300, 50, 1900, 500)},
		[]bool{true, false, true})}
	pix := filled(size.X * size.Y * 4)
	var fast, naive time.Duration
	for _, bc := range []struct {
		name string
		mask func([]byte, int, image.Point, image.Point, Region)
		out  *time.Duration
	}{{"MaskBGRX", MaskBGRX, &fast}, {"naive", maskNaive, &naive}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pix)))
			for b.Loop() {
				bc.mask(pix, size.X*4, image.Point{}, size, r)
			}
			*bc.out = b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(*bc.out), "ns/frame")
		})
	}
	if fast > 0 && naive > 0 {
		b.Log(fmt.Sprintf("1080p mask, %d rectangles: MaskBGRX %d ns/frame, per-pixel %d ns/frame: %.0fx faster",
			len(r.Rects), fast.Nanoseconds(), naive.Nanoseconds(), float64(naive)/float64(fast)))
	}
}
