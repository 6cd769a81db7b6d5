// Package pgtest starts a private, throwaway PostgreSQL cluster for tests,
// from the server binaries of Debian's postgresql package: initdb into a
// temporary directory, then postgres itself as a child of the test,
// listening only on a Unix socket in that directory (and, if asked, on
// 127.0.0.1 at a free port). The system's own cluster is never touched.
//
// PostgreSQL refuses to run as root, so under root the cluster runs as
// the postgres user (or nobody). Its superuser is "tandem", with a random
// password required on every connection (scram-sha-256), kept in a file
// the way an operator would pass it (-db-password-file) and in a pgpass
// file (PGPASSFILE).
//
// A test package shares one cluster: its TestMain calls Main, and tests
// call Shared, then NewDatabase for an empty database of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tandem-remote/tandem/internal/testkit/freeport"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found: install Debian's postgresql package (scripts/install-deps.sh installs it for tests) or set TANDEM_PG_BIN to their directory")

// Options shape a cluster.
type Options struct {
	// Durable keeps fsync on, for benchmarks comparable with SQLite's
	// synchronous=FULL; tests run faster without it.
	Durable bool
	// TCP also listens on 127.0.0.1 at a free port.
	TCP bool
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	dir      string // owned by the server's user: data/, the socket, files
	cmd      *exec.Cmd
	exited   chan struct{}
	password string
	port     int // the socket's number, and the TCP port when TCP
	tcp      bool
	mu       sync.Mutex
	n        int // databases made
}

// User is the cluster's superuser.
const User = "tandem"

// Bin returns the directory holding initdb and postgres: TANDEM_PG_BIN,
// else the newest /usr/lib/postgresql/N/bin, else one on PATH.
func Bin() (string, error) {
	if d := os.Getenv("TANDEM_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("TANDEM_PG_BIN: %w: %w", err, ErrNoBinaries)
		}
		return d, nil
	}
	ds, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(ds, func(i, j int) bool { return version(ds[i]) > version(ds[j]) })
	for _, d := range ds {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoBinaries
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes and starts a cluster; Stop ends it and removes its files.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tandem-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, password: rand.Text(), port: 5432, tcp: o.TCP, exited: make(chan struct{})}
	if err := c.start(ctx, bin, cred, o); err != nil {
		c.Stop()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return c, nil
}

// serverUser is who runs the server: ourselves, or under root the
// postgres user (nobody if there is none).
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("pgtest: running as root and no postgres or nobody user to run the server as")
}

func (c *Cluster) start(ctx context.Context, bin string, cred *syscall.Credential, o Options) error {
	if err := c.writeFiles(cred); err != nil {
		return err
	}
	initdb := c.command(bin, "initdb", cred, "-D", c.path("data"), "-U", User, "--pwfile", c.PasswordFile(),
		"-A", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	listen := ""
	if o.TCP {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.port, listen = port, "127.0.0.1"
	}
	args := []string{"-D", c.path("data"), "-k", c.dir, "-p", strconv.Itoa(c.port), "-c", "listen_addresses=" + listen,
		"-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "log_min_messages=warning"}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.cmd = c.command(bin, "postgres", cred, args...)
	log, err := os.Create(c.path("server.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	c.cmd.Stdout, c.cmd.Stderr = log, log
	// If the test binary dies (a -timeout panic skips Main's Stop), stop
	// at once. (The signal follows the forking thread, which Go keeps
	// alive unless a goroutine exits locked to it; nothing here does.)
	c.cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() { c.cmd.Wait(); close(c.exited) }()
	return c.waitReady(ctx)
}

// writeFiles writes the password file and the pgpass file, and gives the
// directory to the server's user.
func (c *Cluster) writeFiles(cred *syscall.Credential) error {
	if err := os.WriteFile(c.PasswordFile(), []byte(c.password+"\n"), 0o600); err != nil {
		return err
	}
	pass := fmt.Sprintf("*:*:*:%s:%s\n", User, c.password)
	if err := os.WriteFile(c.PassFile(), []byte(pass), 0o600); err != nil {
		return err
	}
	// Others may reach the socket (a signaling process run as another
	// user); data/ stays the server's alone (initdb makes it 0700).
	if err := os.Chmod(c.dir, 0o711); err != nil {
		return err
	}
	if cred == nil {
		return nil
	}
	return filepath.Walk(c.dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	})
}

func (c *Cluster) command(bin, name string, cred *syscall.Credential, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "LC_ALL=C", "HOME=" + c.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd
}

// freePort is outside the kernel's ephemeral range: see freeport.
func freePort() (int, error) { return freeport.Get() }

// waitReady connects until the server answers, it exits, or a minute
// passes (a slow, shared machine runs initdb's result cold).
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := c.connect(ctx, "postgres")
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.exited:
			out, _ := os.ReadFile(c.path("server.log"))
			return fmt.Errorf("postgres exited: %s", out)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w", err)
		case <-tick.C:
		}
	}
}

func (c *Cluster) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.URL(db))
	if err != nil {
		return nil, err
	}
	cfg.Password = c.password
	return pgx.ConnectConfig(ctx, cfg)
}

func (c *Cluster) path(name string) string { return filepath.Join(c.dir, name) }

// URL is the password-less URL of database db, over the Unix socket.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", User, db, c.dir, c.port)
}

// TCPURL is db's URL over 127.0.0.1, for a cluster started with TCP.
func (c *Cluster) TCPURL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, c.port, db)
}

// Flags are the signaling flags that make a node use database db.
func (c *Cluster) Flags(db string) []string {
	return []string{"-db", c.URL(db), "-db-password-file", c.PasswordFile()}
}

// PasswordFile holds the superuser's password on its first line.
func (c *Cluster) PasswordFile() string { return c.path("password") }

// PassFile is a libpq pgpass file for the cluster (PGPASSFILE).
func (c *Cluster) PassFile() string { return c.path("pgpass") }

// CreateDatabase makes an empty database called name.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	return c.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

// DropDatabase removes database name, ending its connections.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	return c.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func (c *Cluster) admin(ctx context.Context, stmt string) error {
	conn, err := c.connect(ctx, "postgres")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// nextName returns a database name not used before in this cluster.
func (c *Cluster) nextName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return "t" + strconv.Itoa(c.n)
}

// Stop shuts the server down (fast shutdown: SIGINT to its PID, SIGKILL if
// it has not exited within a minute) and removes the directory.
func (c *Cluster) Stop() error {
	var err error
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(time.Minute):
			c.cmd.Process.Kill()
			<-c.exited
			err = errors.New("pgtest: postgres ignored SIGINT for a minute; killed")
		}
	}
	if rmErr := os.RemoveAll(c.dir); err == nil {
		err = rmErr
	}
	return err
}
