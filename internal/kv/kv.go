// Package kv is the store of what switchboard keeps outside Temporal and
// every replica must see the same: console sessions, the publish sent
// store, the intake's thread index and dead letters, triage's corrections
// and models. Records are JSON values under a
// table and a key, optionally expiring. Two databases back it with one set
// of statements: SQLite in a file for `switchboard dev` (one machine), and
// PostgreSQL for deployments (replicas on many). Its schema is versioned
// and brought up to date when a store opens.
package kv

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// Store is an open kv store.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// Open opens the store at url: postgres://… (or postgresql://…) for
// PostgreSQL, else the path of a SQLite file (created if missing).
func Open(ctx context.Context, url string) (*Store, error) {
	driver, dsn := "sqlite", url+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	if url == "file::memory:" {
		dsn = url
	}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		driver, dsn = "pgx", url
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open the shared store: %w", err)
	}
	if driver == "sqlite" {
		db.SetMaxOpenConns(1) // one writer; WAL lets readers of other processes in
	}
	s := &Store{db: db, now: time.Now}
	// Replicas starting together race to create the schema's tables; the
	// one that loses finds them made when it tries again.
	for attempt := 1; ; attempt++ {
		err = s.migrate(ctx)
		if err == nil || attempt == 3 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Memory opens a store that lives in this process only (SQLite in
// memory), for the tools and tests that need no other process to see it.
func Memory(ctx context.Context) (*Store, error) { return Open(ctx, "file::memory:") }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// migrations are the schema's versions, applied in order, each once; a
// version once released is never edited, only followed.
var migrations = []string{
	`CREATE TABLE records (
		tbl        TEXT   NOT NULL,
		key        TEXT   NOT NULL,
		value      TEXT   NOT NULL,
		expires_at BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (tbl, key))`,
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS kv_schema (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("shared store schema: %w", err)
	}
	for v, stmt := range migrations {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		// Replicas starting together: the insert of the version is the
		// lock, and a replica that loses the race finds it done.
		res, err := tx.ExecContext(ctx, `INSERT INTO kv_schema (version) VALUES ($1) ON CONFLICT (version) DO NOTHING`, v+1)
		if err == nil {
			var n int64
			if n, err = res.RowsAffected(); err == nil && n == 1 {
				_, err = tx.ExecContext(ctx, stmt)
			}
		}
		if err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("shared store schema version %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("shared store schema version %d: %w", v+1, err)
		}
	}
	return nil
}

func (s *Store) expiry(at time.Time) int64 {
	if at.IsZero() {
		return 0
	}
	return at.UnixNano()
}

// Put stores value under table and key, replacing what was there; a zero
// expires keeps it until it is deleted.
func (s *Store) Put(ctx context.Context, table, key string, value any, expires time.Time) error {
	data, err := json.Marshal(value)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO records (tbl, key, value, expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
		table, key, string(data), s.expiry(expires))
	return wrap("put", table, err)
}

// Add stores value only if table holds no live record under key, and says
// whether it did: of replicas adding the same key at once, one wins.
func (s *Store) Add(ctx context.Context, table, key string, value any, expires time.Time) (bool, error) {
	data, err := json.Marshal(value)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO records (tbl, key, value, expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
		WHERE records.expires_at <> 0 AND records.expires_at <= $5`,
		table, key, string(data), s.expiry(expires), s.now().UnixNano())
	if err != nil {
		return false, wrap("add", table, err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("add", table, err)
}

// Replace stores value under table and key only if the live record there
// is still old, and says whether it did: a compare-and-swap, so of
// replicas moving one record from the same state at once, one wins. old is
// compared as its JSON encoding: pass the value Get decoded, of the type it
// was stored as.
func (s *Store) Replace(ctx context.Context, table, key string, old, value any, expires time.Time) (bool, error) {
	was, err := json.Marshal(old)
	if err != nil {
		return false, err
	}
	data, err := json.Marshal(value)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE records SET value = $1, expires_at = $2
		WHERE tbl = $3 AND key = $4 AND value = $5 AND (expires_at = 0 OR expires_at > $6)`,
		string(data), s.expiry(expires), table, key, string(was), s.now().UnixNano())
	if err != nil {
		return false, wrap("replace", table, err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("replace", table, err)
}

// Get reads the live record under table and key into value, and says
// whether there was one.
func (s *Store) Get(ctx context.Context, table, key string, value any) (bool, error) {
	var data string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM records WHERE tbl = $1 AND key = $2 AND (expires_at = 0 OR expires_at > $3)`,
		table, key, s.now().UnixNano()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap("get", table, err)
	}
	return true, wrap("decode", table, json.Unmarshal([]byte(data), value))
}

// Delete removes the record under table and key, if any.
func (s *Store) Delete(ctx context.Context, table, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE tbl = $1 AND key = $2`, table, key)
	return wrap("delete", table, err)
}

// Keys lists the keys of table's live records, in order.
func (s *Store) Keys(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM records WHERE tbl = $1 AND (expires_at = 0 OR expires_at > $2) ORDER BY key`,
		table, s.now().UnixNano())
	if err != nil {
		return nil, wrap("list", table, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, wrap("list", table, err)
		}
		keys = append(keys, k)
	}
	return keys, wrap("list", table, rows.Err())
}

// All reads table's live records, in the order of their keys.
func All[T any](ctx context.Context, s *Store, table string) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT value FROM records WHERE tbl = $1 AND (expires_at = 0 OR expires_at > $2) ORDER BY key`,
		table, s.now().UnixNano())
	if err != nil {
		return nil, wrap("read", table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, wrap("read", table, err)
		}
		var v T
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return nil, wrap("decode", table, err)
		}
		out = append(out, v)
	}
	return out, wrap("read", table, rows.Err())
}

// Sweep deletes the records that have expired.
func (s *Store) Sweep(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM records WHERE expires_at <> 0 AND expires_at <= $1`, s.now().UnixNano())
	return wrap("sweep", "records", err)
}

func wrap(op, table string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("shared store: %s %s: %w", op, table, err)
}
