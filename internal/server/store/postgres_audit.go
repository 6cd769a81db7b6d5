package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Every node's audit appends queue on one advisory lock (auditLockKey),
// held from the newest record's read to the commit, so its hold bounds
// how many append transactions the whole cluster makes a second. Sent one
// statement at a time, an append holds it across three of the node's
// round trips (the lock's answer to the read, the read's to the INSERT,
// the INSERT's to the COMMIT), and a node whose CPU is busy keeps every
// other node waiting meanwhile: on a loaded machine that, not the
// database's work, was most of the hold (e2e BenchmarkClusterSetups,
// BenchmarkAuditLock). Here an append is two pipelines: BEGIN, the lock
// and the read in one, then the INSERTs and COMMIT in the other, so the
// lock is held across one round trip. The read still runs after the lock
// is granted, with its own snapshot (READ COMMITTED takes one per
// statement), so it sees every append that held the lock before.

// AppendAudit implements AuditLog: see AppendAudits.
func (p *Postgres) AppendAudit(ctx context.Context, seal func(last AuditRecord) (AuditRecord, error)) (AuditRecord, error) {
	recs, err := p.AppendAudits(ctx, []func(AuditRecord) (AuditRecord, error){seal})
	if err != nil {
		return AuditRecord{}, err
	}
	return recs[0], nil
}

// AppendAudits implements AuditLog in one transaction of two pipelined
// round trips.
func (p *Postgres) AppendAudits(ctx context.Context, seals []func(last AuditRecord) (AuditRecord, error)) ([]AuditRecord, error) {
	conn, err := p.db.raw.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("append audit record: %w", err)
	}
	defer conn.Close()
	var recs []AuditRecord
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		var err error
		if recs, err = p.appendPipelined(ctx, c, seals); err != nil {
			rollback(c)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("append audit record: %w", err)
	}
	return recs, nil
}

func (p *Postgres) appendPipelined(ctx context.Context, c *pgx.Conn, seals []func(AuditRecord) (AuditRecord, error)) ([]AuditRecord, error) {
	last, err := p.lockAndReadLast(ctx, c)
	if err != nil {
		return nil, err
	}
	recs, err := chainSeals(last, seals)
	if err != nil {
		return nil, err
	}
	return recs, p.insertAndCommit(ctx, c, recs)
}

// lockAndReadLast begins the transaction, takes the audit lock and reads
// the newest record (the zero record when there is none).
func (p *Postgres) lockAndReadLast(ctx context.Context, c *pgx.Conn) (AuditRecord, error) {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(p.d.lockAudit)
	b.Queue("SELECT " + auditCols + " FROM audit_log ORDER BY seq DESC LIMIT 1")
	br := c.SendBatch(ctx, b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return AuditRecord{}, err
		}
	}
	last, err := scanAudit(br.QueryRow())
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return AuditRecord{}, err
	}
	return last, br.Close()
}

// insertAndCommit inserts recs and commits. A failed INSERT leaves the
// rest of the pipeline unrun, and the caller rolls back.
func (p *Postgres) insertAndCommit(ctx context.Context, c *pgx.Conn, recs []AuditRecord) error {
	b := &pgx.Batch{}
	for chunk := range slices.Chunk(recs, maxAuditRows) {
		q, args := auditInsert(chunk)
		b.Queue(p.d.q(q), args...)
	}
	b.Queue("COMMIT")
	br := c.SendBatch(ctx, b)
	defer br.Close()
	for range len(b.QueuedQueries) - 1 {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	tag, err := br.Exec()
	if err != nil {
		return err
	}
	if tag.String() != "COMMIT" { // PostgreSQL answers ROLLBACK to a failed transaction's COMMIT
		return fmt.Errorf("commit: %s", tag)
	}
	return br.Close()
}

// rollback ends a failed append's transaction, if one is open, even when
// the append's context has ended, so that the pool keeps the connection
// (the driver drops one left in a transaction, and a new one costs a
// login); one that cannot is closed.
func rollback(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.IsClosed() || c.PgConn().TxStatus() == 'I' {
		return
	}
	if _, err := c.Exec(ctx, "ROLLBACK"); err != nil {
		c.Close(ctx)
	}
}
