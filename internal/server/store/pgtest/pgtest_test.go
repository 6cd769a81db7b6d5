package pgtest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestStartStop: a cluster answers over its socket and over 127.0.0.1
// only with its password, runs as someone other than root, and Stop
// leaves neither the process nor its files.
func TestStartStop(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, Options{TCP: true})
	if errors.Is(err, ErrNoBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	pid, dir := c.cmd.Process.Pid, c.dir
	for _, url := range []string{c.URL("postgres"), c.TCPURL("postgres")} {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Password = "wrong"
		if conn, err := pgx.ConnectConfig(ctx, cfg); err == nil {
			conn.Close(ctx)
			t.Errorf("%s: connected with a wrong password", url)
		}
		cfg.Password = c.password
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		conn.Close(ctx)
	}
	if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err != nil || strings.Contains(uidLine(string(st)), "\t0\t") {
		t.Errorf("server process %d runs as root, or is not there: %v", pid, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server process %d still there after Stop: %v", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after Stop: %v", dir, err)
	}
}

func uidLine(status string) string {
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, "Uid:") {
			return l + "\t"
		}
	}
	return ""
}
