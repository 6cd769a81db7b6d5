package auth

import (
	"container/list"
	"net/netip"
)

// tally groups pending logins by a key (their source, or their aggregate)
// and keeps the groups bucketed by how many they hold, so that the one
// holding the most is found at once.
type tally struct {
	groups map[netip.Prefix]*group
	bySize []list.List // bySize[n]: of *group holding n, in the order they came to n
	top    int         // the largest n with bySize[n] not empty; 0 when there is no group
}

// group is what one key holds.
type group struct {
	entries list.List     // of *pendingLogin, oldest first
	elem    *list.Element // in bySize[entries.Len()]
}

// newTally returns a tally whose groups hold at most limit entries each
// (the caller makes room before adding).
func newTally(limit int) tally {
	return tally{groups: map[netip.Prefix]*group{}, bySize: make([]list.List, limit+1)}
}

func (t *tally) get(key netip.Prefix) *group { return t.groups[key] }

func (t *tally) held(key netip.Prefix) int {
	if g := t.groups[key]; g != nil {
		return g.entries.Len()
	}
	return 0
}

// add appends p to key's group and returns its element there.
func (t *tally) add(key netip.Prefix, p *pendingLogin) *list.Element {
	g := t.groups[key]
	if g == nil {
		g = &group{}
		t.groups[key] = g
	} else {
		t.bySize[g.entries.Len()].Remove(g.elem)
	}
	e := g.entries.PushBack(p)
	t.place(g)
	return e
}

// remove takes the entry at e out of key's group.
func (t *tally) remove(key netip.Prefix, e *list.Element) {
	g := t.groups[key]
	t.bySize[g.entries.Len()].Remove(g.elem)
	g.entries.Remove(e)
	if g.entries.Len() == 0 {
		delete(t.groups, key)
	} else {
		t.place(g)
	}
	for t.top > 0 && t.bySize[t.top].Len() == 0 {
		t.top--
	}
}

func (t *tally) place(g *group) {
	n := g.entries.Len()
	g.elem = t.bySize[n].PushBack(g)
	t.top = max(t.top, n)
}

// largest is the group holding the most (of those, the first to come to
// that many), nil when there is none.
func (t *tally) largest() *group {
	if t.top == 0 {
		return nil
	}
	return t.bySize[t.top].Front().Value.(*group)
}

func (g *group) oldest() *pendingLogin { return g.entries.Front().Value.(*pendingLogin) }
