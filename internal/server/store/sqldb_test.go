package store

import "testing"

// TestToDollars: SQLite's ? and ?N become PostgreSQL's $N, never inside a
// quoted literal.
func TestToDollars(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"WHERE a = ? AND b = ?", "WHERE a = $1 AND b = $2"},
		{"VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET x = ?2", "VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET x = $2"},
		{"WHERE ?12 = 'a?b' AND c = ''''", "WHERE $12 = 'a?b' AND c = ''''"},
		{"SELECT E'\\n?', ?", "SELECT E'\\n?', $1"},
	} {
		if got := toDollars(c.in); got != c.want {
			t.Errorf("toDollars(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
