package cluster

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

// TestResume: a side resumes on another node with its own secret only: a
// wrong secret, the other side's, an unjoined session and an expired lease
// are refused alike. A resumed side is held by its new node: the old
// node's late leave leaves it held, and the lease, renewed by the resume,
// outlives the dead node's last renewal.
func TestResume(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	techSecret, agentSecret := sha256.Sum256([]byte("tech")), sha256.Sum256([]byte("agent"))
	wrong := sha256.Sum256([]byte("guess"))
	le := testLease("s", "333333333", now)
	le.TechResume = techSecret[:]
	if err := l.Open(ctx, le, "node1", now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Resume(ctx, "s", true, techSecret[:], "node2", now); !errors.Is(err, ErrNoLease) {
		t.Fatalf("resume before the join: %v, want ErrNoLease", err)
	}
	if _, err := l.Claim(ctx, le.CodeHash, "", "node3", agentSecret[:], now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		technician bool
		secret     []byte
		at         time.Time
	}{
		{"wrong secret", true, wrong[:], now},
		{"no secret", true, nil, now},
		{"the agent's secret as the technician", true, agentSecret[:], now},
		{"the technician's secret as the agent", false, techSecret[:], now},
		{"expired lease", true, techSecret[:], now.Add(LeaseTTL + time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := l.Resume(ctx, "s", tc.technician, tc.secret, "node2", tc.at); !errors.Is(err, ErrNoLease) {
				t.Fatalf("Resume = %+v, %v; want ErrNoLease", got, err)
			}
		})
	}
	// node1 died (no leave); its lease would expire at now+LeaseTTL.
	later := now.Add(LeaseTTL - time.Second)
	got, err := l.Resume(ctx, "s", true, techSecret[:], "node2", later)
	if err != nil {
		t.Fatal(err)
	}
	if got.TechNode != "node2" || got.AgentNode != "node3" || string(got.Operator) != `{"ID":"alice"}` {
		t.Fatalf("resumed lease %+v, want the technician on node2, the agent on node3 and the operator", got)
	}
	if err := l.Renew(ctx, nil, later.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if last, err := l.Leave(ctx, "s", true, "node1"); err != nil || last {
		t.Fatalf("node1's late leave: last %v, %v; want false", last, err)
	}
	if _, err := l.Resume(ctx, "s", false, agentSecret[:], "node2", later.Add(2*time.Second)); err != nil {
		t.Fatalf("the agent resuming after the dead node's lease time, the technician having renewed it: %v", err)
	}
	if last, err := l.Leave(ctx, "s", false, "node2"); err != nil || last {
		t.Fatalf("agent left node2: last %v, %v; want false (the technician is on node2)", last, err)
	}
	if last, err := l.Leave(ctx, "s", true, "node2"); err != nil || !last {
		t.Fatalf("technician left node2: last %v, %v; want true", last, err)
	}
}
