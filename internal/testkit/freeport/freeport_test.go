package freeport

import (
	"net"
	"strconv"
	"testing"
)

func TestGetIsInRangeAndFree(t *testing.T) {
	seen := map[int]bool{}
	top := min(highest, ephemeralLow()-1)
	for range 50 {
		p, err := Get()
		if err != nil {
			t.Fatal(err)
		}
		if p < lowest || p > top {
			t.Fatalf("port %d outside %d-%d", p, lowest, top)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

func TestGetSkipsTakenPorts(t *testing.T) {
	p, err := Get()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatalf("the port handed out is not free: %v", err)
	}
	defer ln.Close()
	if free(p) {
		t.Fatal("free reports a listening port as free")
	}
}
