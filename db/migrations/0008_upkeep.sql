-- Upkeep (issue 19): what lets the leading console delete old rows in small batches, and what
-- lets an import killed after its commit have its days summarised by the next run.
-- Frozen once released: later changes go in later files.

-- ---------------------------------------------------------------------------------------------
-- The audit log stays append-only for everyone, except the retention's own function
-- ---------------------------------------------------------------------------------------------

-- A statement-level trigger cannot see rows, so the exception is a transaction-local flag that
-- only prune_audit_log sets: an UPDATE, or a DELETE from anywhere else, is refused as before.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('balancer.audit_log_prune', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END $$;

-- Deletes at most batch_size of the oldest rows before older_than, and says how many it deleted.
-- Never anything of the last 30 days, whatever the caller asks: the shortest retention accepted.
CREATE FUNCTION prune_audit_log(older_than timestamptz, batch_size integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  deleted integer;
BEGIN
  IF older_than > now() - interval '30 days' THEN
    RAISE EXCEPTION 'the audit log keeps at least 30 days (asked to delete before %)', older_than
      USING ERRCODE = '22023';
  END IF;
  PERFORM set_config('balancer.audit_log_prune', 'on', true);
  DELETE FROM audit_log
   WHERE audit_id IN (SELECT audit_id FROM audit_log
                       WHERE at < older_than
                       ORDER BY audit_id
                       LIMIT batch_size);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('balancer.audit_log_prune', '', true);
  RETURN deleted;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Indexes the batched deletes read
-- ---------------------------------------------------------------------------------------------

-- Polls by age across feeds (the existing index leads with feed_id). Rows arrive in time order,
-- so BRIN finds a batch of old polls from a few kB of index.
CREATE INDEX feed_polls_started_at_brin ON feed_polls USING brin (started_at);
-- Deleting a poll sets status_snapshots.poll_id to NULL (the snapshot outlives the poll: it is
-- service-level history). Without this index every deleted poll would scan all the snapshots.
CREATE INDEX status_snapshots_poll_idx ON status_snapshots (poll_id) WHERE poll_id IS NOT NULL;
-- Closed absences by their end, for the status history's retention.
CREATE INDEX station_status_absences_until_idx ON station_status_absences (until)
  WHERE until IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Imports whose days were summarised
-- ---------------------------------------------------------------------------------------------

-- NULL from the import's commit until its days' service summaries are recomputed. An import
-- killed in between (its rows committed, its days not summarised) is found by the next
-- import-status and by the leader's upkeep, which recompute those days and set this.
ALTER TABLE status_imports ADD COLUMN days_summarised_at timestamptz;
UPDATE status_imports SET days_summarised_at = imported_at;
CREATE INDEX status_imports_unsummarised_idx ON status_imports (import_id)
  WHERE days_summarised_at IS NULL;
