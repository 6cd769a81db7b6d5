-- Everything the audit log says about one subject (a session, a
-- conversation, an account), by kind (see the SQLite migration of the same
-- number and BenchmarkAuditRecordsAbout).
CREATE INDEX audit_log_about ON audit_log (subject, kind);
