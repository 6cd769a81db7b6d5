package capture

import (
	"image"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCoalesce(t *testing.T) {
	clip := image.Rect(100, 0, 300, 200)
	for _, tc := range []struct {
		name string
		in   []image.Rectangle
		want []image.Rectangle
	}{
		{"empty", nil, []image.Rectangle{}},
		{"outside is dropped", []image.Rectangle{image.Rect(0, 0, 50, 50)}, []image.Rectangle{}},
		{"clipped and moved", []image.Rectangle{image.Rect(90, 10, 110, 20)}, []image.Rectangle{image.Rect(0, 10, 10, 20)}},
		{"neighbours merge", []image.Rectangle{image.Rect(100, 0, 110, 10), image.Rect(110, 0, 120, 10)},
			[]image.Rectangle{image.Rect(0, 0, 20, 10)}},
		{"far apart stay apart", []image.Rectangle{image.Rect(100, 0, 200, 10), image.Rect(100, 150, 200, 160)},
			[]image.Rectangle{image.Rect(0, 0, 100, 10), image.Rect(0, 150, 100, 160)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := coalesce(slices.Clone(tc.in), clip)
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("coalesce(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestCoalesceCovers checks the promise downstream relies on: whatever the
// input, the output is at most maxDirty rectangles inside the clip that
// cover every input pixel.
func TestCoalesceCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clip := image.Rect(0, 0, 640, 480)
	for range 200 {
		in := make([]image.Rectangle, rng.IntN(300))
		for i := range in {
			x, y := rng.IntN(700)-30, rng.IntN(500)-10
			in[i] = image.Rect(x, y, x+1+rng.IntN(80), y+1+rng.IntN(40))
		}
		out := coalesce(slices.Clone(in), clip)
		if len(out) > maxDirty {
			t.Fatalf("%d rectangles, want at most %d", len(out), maxDirty)
		}
		for _, r := range out {
			if !r.In(clip) {
				t.Fatalf("%v outside %v", r, clip)
			}
		}
		for _, r := range in {
			if r = r.Intersect(clip); !r.Empty() && !covered(out, r) {
				t.Fatalf("input %v not covered by %v", r, out)
			}
		}
	}
}

func TestRowSpans(t *testing.T) {
	rs := func(ys ...int) []image.Rectangle {
		var out []image.Rectangle
		for i := 0; i < len(ys); i += 2 {
			out = append(out, image.Rect(0, ys[i], 10, ys[i+1]))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   []image.Rectangle
		want []span
	}{
		{"one", rs(5, 9), []span{{5, 9}}},
		{"sorted", rs(20, 30, 0, 10), []span{{0, 10}, {20, 30}}},
		{"touching joins", rs(0, 10, 10, 20), []span{{0, 20}}},
		{"bridge joins three", rs(0, 5, 10, 15, 20, 25, 4, 21), []span{{0, 25}}},
		{"inside", rs(0, 50, 10, 20), []span{{0, 50}}},
		{"insert middle", rs(0, 5, 40, 45, 20, 25), []span{{0, 5}, {20, 25}, {40, 45}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rowSpans(nil, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("rowSpans(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestDiffTiles(t *testing.T) {
	const w, h = 200, 100
	prev, cur := make([]byte, 4*w*h), make([]byte, 4*w*h)
	if got := diffTiles(nil, prev, cur, 4*w, w, h); len(got) != 0 {
		t.Fatalf("equal frames: %v", got)
	}
	cur[4*(70*w+130)] = 1 // pixel (130, 70): tile (128,64)-(192,100)
	got := diffTiles(nil, prev, cur, 4*w, w, h)
	if want := []image.Rectangle{image.Rect(128, 64, 192, 100)}; !slices.Equal(got, want) {
		t.Fatalf("one pixel changed: %v, want %v", got, want)
	}
	if got := diffTiles(nil, prev, cur, 4*w, w, h); len(got) != 0 {
		t.Fatalf("prev not updated: second diff %v", got)
	}
}

// covered reports whether the union of rs contains r.
func covered(rs []image.Rectangle, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			in := false
			for _, d := range rs {
				in = in || image.Pt(x, y).In(d)
			}
			if !in {
				return false
			}
		}
	}
	return true
}
