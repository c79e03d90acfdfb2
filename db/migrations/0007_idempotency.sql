-- Retry-safe claims and completions (issue 19).
--   * a crew holds at most one assigned task. A phone that retries POST /dispatch/next after a
--     lost answer was handed a new task per call (three calls, three tasks, 23 bikes for a
--     12-bike van); now the claim returns the task the crew already holds. The unique index is
--     what makes that hold under concurrency: the claim is one statement whose snapshot cannot
--     see a claim by the same crew still in flight, but an index entry can, so the second of two
--     racing claims fails on the index and its retry finds the first one's task;
--   * idempotency_keys: the first answer to a request sent with an Idempotency-Key header, so a
--     retry with the same key gets that answer back instead of doing the work again.
-- Frozen once released: later changes go in later files.

-- Before the index can exist, a crew that holds several assigned tasks keeps only the one it was
-- handed last (after lost answers, the only one its device can have heard of); the others go back
-- to the queue, recorded as given back in their history and in the audit log.
WITH ranked AS (
  SELECT id, worker_id, assigned_at,
         row_number() OVER (PARTITION BY worker_id ORDER BY assigned_at DESC, id DESC) AS n
    FROM tasks
   WHERE status = 'assigned'
), extra AS (
  SELECT id, worker_id, assigned_at FROM ranked WHERE n > 1
), ended AS (
  UPDATE task_assignments a
     SET ended_at = greatest(now(), a.assigned_at),
         outcome = 'released',
         end_reason = 'a crew holds one task at a time (migration 0007): it kept its newest'
    FROM extra
   WHERE a.task_id = extra.id
     AND a.ended_at IS NULL
), audited AS (
  INSERT INTO audit_log (actor, actor_role, action, entity, entity_id, detail)
  SELECT 'migration 0007_idempotency', NULL, 'task.release', 'task', id::text,
         jsonb_build_object('worker_id', worker_id, 'reason', 'a crew holds one task at a time')
    FROM extra
)
UPDATE tasks t
   SET status = 'ready', worker_id = NULL, assigned_at = NULL
  FROM extra
 WHERE t.id = extra.id;

-- One assigned task per crew. Also the claim's first look-up: the task this crew already holds.
CREATE UNIQUE INDEX tasks_one_assigned_per_crew ON tasks (worker_id) WHERE status = 'assigned';

CREATE TABLE idempotency_keys (
  -- Who sent the key: "token:<token_id>" (a key is one caller's; two crews may pick the same).
  actor           text NOT NULL CHECK (actor <> ''),
  -- The header's value: 1-255 visible ASCII characters (a UUID is the usual choice).
  idempotency_key text NOT NULL CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
  -- The request it was first sent with: the same key on another route or body is refused.
  method          text NOT NULL,
  path            text NOT NULL,
  -- SHA-256 of the method, the path and the validated body.
  request_hash    bytea NOT NULL CHECK (octet_length(request_hash) = 32),
  -- The first answer, sent again byte for byte. NULL only inside the transaction that does the
  -- work (the row is inserted first, so a concurrent retry with the key waits on it), never
  -- once committed.
  status          smallint CHECK (status BETWEEN 200 AND 499),
  response_body   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- After this the key is forgotten: a retry comes within minutes; a day covers a phone that
  -- was off overnight. Rows past it are deleted by the upkeep job (issue 19, item 10).
  expires_at      timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  PRIMARY KEY (actor, idempotency_key),
  CHECK ((status IS NULL) = (response_body IS NULL)),
  CHECK (expires_at > created_at)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
