package cluster

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Postgres is a private PostgreSQL server: its own data folder, port and
// socket folder. Run as root (as on these machines), it runs as the
// postgres user, since PostgreSQL refuses to run as root.
type Postgres struct {
	Dir      string // data folder, socket and log
	Port     int
	Password string // of the postgres role, generated at initdb
	bin      string
	as       *syscall.Credential // nil: as this process's user
	cmd      *exec.Cmd
	done     chan error
}

// StartPostgres initialises dir (once) and starts PostgreSQL on a free port.
// Connections over TCP need the postgres role's password, generated at
// initdb and kept in dir (readable by root and the postgres user only):
// another local user cannot connect as the superuser.
func StartPostgres(ctx context.Context, dir string) (*Postgres, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil { // children run in dir: their paths must not be relative
		return nil, err
	}
	p := &Postgres{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if p.as, err = credential("postgres"); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if p.as != nil {
		if err := os.Chown(dir, int(p.as.Uid), int(p.as.Gid)); err != nil {
			return nil, err
		}
		if err := traversable(dir); err != nil {
			return nil, err
		}
	}
	pwFile := filepath.Join(dir, "password")
	if _, err := os.Stat(filepath.Join(p.data(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := p.writeOwned(pwFile, randomPassword()); err != nil {
			return nil, err
		}
		init := p.command(filepath.Join(bin, "initdb"), "-D", p.data(), "-U", "postgres", "--pwfile", pwFile,
			"--auth-host", "scram-sha-256", "--auth-local", "peer", "-E", "UTF8", "--no-sync")
		if out, err := init.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb %s: %v\n%s", p.data(), err, out)
		}
	}
	pw, err := os.ReadFile(pwFile)
	if err != nil {
		return nil, fmt.Errorf("the postgres password of %s: %w", dir, err)
	}
	p.Password = strings.TrimSpace(string(pw))
	// The same port as before, so a restarted cluster's configuration holds.
	portFile := filepath.Join(dir, "port")
	if data, err := os.ReadFile(portFile); err == nil {
		p.Port, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	if p.Port == 0 {
		if p.Port, err = freePort(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(portFile, []byte(strconv.Itoa(p.Port)), 0o644); err != nil {
			return nil, err
		}
	}
	if err := p.start(ctx); err != nil {
		_ = p.Kill()
		return nil, err
	}
	return p, nil
}

// writeOwned writes a file only root and the postgres user may read.
func (p *Postgres) writeOwned(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return err
	}
	if p.as != nil {
		return os.Chown(path, int(p.as.Uid), int(p.as.Gid))
	}
	return nil
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = crand.Read(b) // never fails: it aborts the program instead
	return hex.EncodeToString(b)
}

func (p *Postgres) data() string { return filepath.Join(p.Dir, "data") }

// Addr is host:port for clients.
func (p *Postgres) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.Port) }

// URL is a connection string for database db.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/%s?sslmode=disable", p.Password, p.Port, db)
}

func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = p.Dir
	// Pdeathsig: a test that dies leaves no server behind (its data is
	// safe; PostgreSQL recovers it at the next start).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.as, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (p *Postgres) start(ctx context.Context) error {
	log, err := os.OpenFile(filepath.Join(p.Dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	if p.as != nil {
		_ = log.Chown(int(p.as.Uid), int(p.as.Gid))
	}
	// fsync stays on: a restart of PostgreSQL is one of the faults tested.
	p.cmd = p.command(filepath.Join(p.bin, "postgres"), "-D", p.data(), "-p", strconv.Itoa(p.Port),
		"-k", p.Dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300")
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	p.done = make(chan error, 1)
	go func() { p.done <- p.cmd.Wait() }()
	return waitListening(ctx, p.Addr(), p.done, "postgres (see "+filepath.Join(p.Dir, "postgres.log")+")")
}

// CreateDatabase creates database db unless it exists.
func (p *Postgres) CreateDatabase(ctx context.Context, db string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", db)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+p.Password)
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "already exists") {
		return fmt.Errorf("createdb %s: %v: %s", db, err, out)
	}
	return nil
}

// Stop shuts PostgreSQL down (fast shutdown: connections are closed,
// everything committed is kept).
func (p *Postgres) Stop() error { return stop(p.cmd, p.done, syscall.SIGINT, 30*time.Second) }

// Kill ends PostgreSQL at once, as a crash would.
func (p *Postgres) Kill() error { return stop(p.cmd, p.done, syscall.SIGKILL, 0) }

// Restart stops PostgreSQL and starts it again on the same port and data.
func (p *Postgres) Restart(ctx context.Context) error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.start(ctx)
}

// postgresBin finds the newest installed PostgreSQL's programs (Debian keeps
// them in /usr/lib/postgresql/<major>/bin).
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server: run `make postgres` (installs Debian's postgresql package)")
}

func credential(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no %s user: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// traversable lets other users pass through dir's ancestors (a test's
// temporary folder is private to root), adding only the search bit.
func traversable(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			keep := info.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky)
			if err := os.Chmod(d, keep|0o001); err != nil {
				return err
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// stop signals a process group and waits; past grace it is killed.
func stop(cmd *exec.Cmd, done chan error, sig syscall.Signal, grace time.Duration) error {
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	select {
	case err := <-done: // already gone
		done <- err
		return nil
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case err := <-done:
		done <- err
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		done <- <-done
	}
	return nil
}

// waitListening waits until addr accepts TCP connections, or the process
// whose exit done reports ends first.
func waitListening(ctx context.Context, addr string, done chan error, what string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("%s exited early: %v", what, err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			// A listener there, and our process still alive a moment later:
			// not some other process that took the port (ours then exits).
			select {
			case err := <-done:
				done <- err
				return fmt.Errorf("%s exited early (is %s taken?): %v", what, addr, err)
			case <-time.After(200 * time.Millisecond):
				return nil
			}
		}
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("%s exited early: %v", what, err)
		case <-ctx.Done():
			return fmt.Errorf("%s not listening on %s: %w", what, addr, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// handedOut are the ports freePort gave this process, never given twice.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort picks an unused loopback port below 32768: Temporal keeps
// membership ports in a SMALLINT column, and the kernel's picks are often
// above it.
func freePort() (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 500 {
		port := 20000 + rand.IntN(12000)
		if handedOut.ports[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			handedOut.ports[port] = true
			return port, nil
		}
	}
	return 0, errors.New("no free port below 32768")
}
