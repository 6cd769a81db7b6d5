package capture

import "image"

const (
	// maxDirty bounds how many rectangles a frame carries: past this, the
	// encoder gains nothing from finer detail and pays per rectangle.
	maxDirty = 16
	// maxPairwise bounds the quadratic merge below; longer lists are first
	// halved by merging neighbours (the server lists regions in y-x bands,
	// so list neighbours are usually screen neighbours).
	maxPairwise = 64
	// mergeSlack is how many unchanged pixels a merge may cover for free
	// (one 64×64 tile): converting them costs less than another rectangle.
	mergeSlack = 64 * 64
)

// coalesce clips rs to clip, moves them so that clip's corner becomes the
// origin, and merges them into at most maxDirty rectangles. It works in
// place and returns rs shortened: no allocation.
func coalesce(rs []image.Rectangle, clip image.Rectangle) []image.Rectangle {
	n := 0
	for _, r := range rs {
		r = r.Intersect(clip)
		if !r.Empty() {
			rs[n] = r.Sub(clip.Min)
			n++
		}
	}
	rs = rs[:n]
	for len(rs) > maxPairwise {
		rs = halve(rs)
	}
	rs = mergeCheap(rs)
	for len(rs) > maxDirty {
		i, j := cheapestPair(rs)
		rs = mergePair(rs, i, j)
	}
	return rs
}

// halve merges rs[0] with rs[1], rs[2] with rs[3], and so on.
func halve(rs []image.Rectangle) []image.Rectangle {
	n := 0
	for i := 0; i < len(rs); i += 2 {
		r := rs[i]
		if i+1 < len(rs) {
			r = r.Union(rs[i+1])
		}
		rs[n] = r
		n++
	}
	return rs[:n]
}

// mergeCheap merges every pair whose union wastes at most mergeSlack pixels
// (overlapping, touching or nearly touching rectangles) until none is left.
func mergeCheap(rs []image.Rectangle) []image.Rectangle {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs); i++ {
			for j := i + 1; j < len(rs); j++ {
				if waste(rs[i], rs[j]) <= mergeSlack {
					rs = mergePair(rs, i, j)
					merged = true
					j--
				}
			}
		}
	}
	return rs
}

// cheapestPair finds the two rectangles whose union wastes the least.
func cheapestPair(rs []image.Rectangle) (int, int) {
	bi, bj, best := 0, 1, -1
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if w := waste(rs[i], rs[j]); best < 0 || w < best {
				bi, bj, best = i, j, w
			}
		}
	}
	return bi, bj
}

// mergePair replaces rs[i] by its union with rs[j] and removes rs[j].
func mergePair(rs []image.Rectangle, i, j int) []image.Rectangle {
	rs[i] = rs[i].Union(rs[j])
	last := len(rs) - 1
	rs[j] = rs[last]
	return rs[:last]
}

// waste counts the pixels covered by a ∪ b that neither a nor b covers.
func waste(a, b image.Rectangle) int {
	return area(a.Union(b)) - area(a) - area(b) + area(a.Intersect(b))
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// span is a run of rows [lo, hi).
type span struct{ lo, hi int }

// rowSpans appends to dst the sorted, disjoint runs of rows that rs touch;
// touching runs are joined. rs are few (maxDirty), so insertion is fine.
func rowSpans(dst []span, rs []image.Rectangle) []span {
	dst = dst[:0]
	for _, r := range rs {
		dst = addSpan(dst, span{r.Min.Y, r.Max.Y})
	}
	return dst
}

// addSpan inserts n into the sorted, disjoint ss, joining what it touches.
func addSpan(ss []span, n span) []span {
	i := 0 // first span not entirely before n
	for i < len(ss) && ss[i].hi < n.lo {
		i++
	}
	j := i // first span entirely after n
	for j < len(ss) && ss[j].lo <= n.hi {
		n.lo, n.hi = min(n.lo, ss[j].lo), max(n.hi, ss[j].hi)
		j++
	}
	if i == j { // nothing joined: make room
		ss = append(ss, span{})
		copy(ss[i+1:], ss[i:])
		ss[i] = n
		return ss
	}
	ss[i] = n
	return append(ss[:i+1], ss[j:]...)
}
