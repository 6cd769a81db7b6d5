package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// The cluster a test package shares, started by the first Shared.
var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Main runs a test package's tests (call it from TestMain) and then stops
// the shared cluster, if one was started; it returns the exit code.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.c != nil {
		if err := shared.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}

// Shared returns the package's cluster, starting it on first use. It
// skips t when the PostgreSQL binaries are missing, and fails it when
// they are there but the cluster does not start.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = Start(context.Background(), Options{}) })
	if errors.Is(shared.err, ErrNoBinaries) {
		t.Skip(shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

// NewDatabase makes an empty database for t, dropped when t ends, and
// returns its password-less URL (the password is in PasswordFile).
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := c.nextName()
	if err := c.CreateDatabase(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), name); err != nil {
			t.Error(err)
		}
	})
	return c.URL(name)
}
