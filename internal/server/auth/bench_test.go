package auth

import (
	"context"
	"testing"
)

// BenchmarkFailurePaths times a full failed login (start and finish over
// HTTPS) for an unknown ID, a wrong password and a blocked ID; compare
// their ns/op side by side: they should be within noise of each other.
func BenchmarkFailurePaths(b *testing.B) {
	e := newEnv(b, func(c *Config) { c.SourceBurst = 1 << 30; c.MaxFailures = 1 << 30 })
	e.addOperator("wrongpw", goodPassword)
	e.addOperator("blocked", goodPassword)
	for range 3 {
		e.service().st.ReserveAttempt(context.Background(), "blocked", e.clock.Now(), 3, 1<<62)
	}
	for _, c := range []struct{ name, id, pw string }{
		{"unknown", "nosuchuser", goodPassword},
		{"wrong-password", "wrongpw", "not the password at all"},
		{"blocked", "blocked", goodPassword},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.login(c.id, c.pw); err == nil {
					b.Fatal("login succeeded")
				}
			}
		})
	}
}
