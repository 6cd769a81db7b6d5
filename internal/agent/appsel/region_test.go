package appsel

import (
	"image"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSubtract(t *testing.T) {
	r := image.Rect(0, 0, 100, 100)
	for _, tc := range []struct {
		name string
		cut  image.Rectangle
		want []image.Rectangle
	}{
		{"disjoint keeps all", image.Rect(200, 200, 300, 300), []image.Rectangle{r}},
		{"touching edge keeps all", image.Rect(100, 0, 200, 100), []image.Rectangle{r}},
		{"covering removes all", image.Rect(-10, -10, 110, 110), nil},
		{"exact removes all", r, nil},
		{"hole leaves four", image.Rect(40, 40, 60, 60), []image.Rectangle{
			image.Rect(0, 0, 100, 40), image.Rect(0, 40, 40, 60), image.Rect(60, 40, 100, 60), image.Rect(0, 60, 100, 100)}},
		{"top-left corner leaves two", image.Rect(-5, -5, 30, 20), []image.Rectangle{
			image.Rect(30, 0, 100, 20), image.Rect(0, 20, 100, 100)}},
		{"right strip leaves one", image.Rect(80, -5, 120, 120), []image.Rectangle{image.Rect(0, 0, 80, 100)}},
		{"bottom band leaves one", image.Rect(-5, 90, 120, 120), []image.Rectangle{image.Rect(0, 0, 100, 90)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := subtract(r, tc.cut); !slices.Equal(got, tc.want) {
				t.Errorf("subtract(%v, %v) = %v, want %v", r, tc.cut, got, tc.want)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	screen := image.Rect(0, 0, 200, 100)
	a := image.Rect(10, 10, 60, 60)
	b := image.Rect(40, 40, 90, 90)
	for _, tc := range []struct {
		name   string
		stack  []image.Rectangle // top first
		chosen []bool
		want   []image.Rectangle
	}{
		{"nothing chosen", []image.Rectangle{a, b}, []bool{false, false}, nil},
		{"lone window", []image.Rectangle{a}, []bool{true}, []image.Rectangle{a}},
		{"clipped to screen", []image.Rectangle{image.Rect(150, 50, 250, 150)}, []bool{true},
			[]image.Rectangle{image.Rect(150, 50, 200, 100)}},
		{"offscreen drops", []image.Rectangle{image.Rect(300, 0, 400, 50)}, []bool{true}, nil},
		{"unchosen above occludes", []image.Rectangle{a, b}, []bool{false, true}, []image.Rectangle{
			image.Rect(60, 40, 90, 60), image.Rect(40, 60, 90, 90)}},
		{"unchosen below does not", []image.Rectangle{a, b}, []bool{true, false}, []image.Rectangle{a}},
		{"both chosen are disjoint", []image.Rectangle{a, b}, []bool{true, true}, []image.Rectangle{
			a, image.Rect(60, 40, 90, 60), image.Rect(40, 60, 90, 90)}},
		{"fully covered vanishes", []image.Rectangle{screen, a}, []bool{false, true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := visible(screen, tc.stack, tc.chosen); !slices.Equal(got, tc.want) {
				t.Errorf("visible = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestVisibleMatchesPixels checks visible against a per-pixel answer on
// random stacks: a pixel is shared when the topmost window over it is
// chosen, and the result never overlaps itself.
func TestVisibleMatchesPixels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	screen := image.Rect(0, 0, 64, 48)
	for range 300 {
		n := 1 + rng.IntN(6)
		stack := make([]image.Rectangle, n)
		chosen := make([]bool, n)
		for i := range stack {
			x, y := rng.IntN(80)-8, rng.IntN(60)-6
			stack[i] = image.Rect(x, y, x+1+rng.IntN(40), y+1+rng.IntN(30))
			chosen[i] = rng.IntN(2) == 0
		}
		got := visible(screen, stack, chosen)
		for y := screen.Min.Y; y < screen.Max.Y; y++ {
			for x := screen.Min.X; x < screen.Max.X; x++ {
				p := image.Pt(x, y)
				if n, want := covering(got, p), topChosen(stack, chosen, p); n > 1 || (n == 1) != want {
					t.Fatalf("stack %v chosen %v: pixel %v covered %d times, want shared=%v (got %v)",
						stack, chosen, p, n, want, got)
				}
			}
		}
	}
}

func covering(rs []image.Rectangle, p image.Point) int {
	n := 0
	for _, r := range rs {
		if p.In(r) {
			n++
		}
	}
	return n
}

func topChosen(stack []image.Rectangle, chosen []bool, p image.Point) bool {
	for i, r := range stack {
		if p.In(r) {
			return chosen[i]
		}
	}
	return false
}

func TestRegionContains(t *testing.T) {
	r := Region{Rects: []image.Rectangle{image.Rect(0, 0, 10, 10), image.Rect(20, 0, 30, 10)}}
	for _, tc := range []struct {
		p    image.Point
		want bool
	}{
		{image.Pt(0, 0), true}, {image.Pt(9, 9), true}, {image.Pt(10, 5), false},
		{image.Pt(25, 5), true}, {image.Pt(30, 5), false}, {image.Pt(5, -1), false},
	} {
		if got := r.Contains(tc.p); got != tc.want {
			t.Errorf("Contains(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if !(Region{All: true}).Contains(image.Pt(-100, 5000)) {
		t.Error("whole-screen region does not contain a point")
	}
	if (Region{}).Contains(image.Pt(0, 0)) {
		t.Error("empty region contains a point")
	}
}
