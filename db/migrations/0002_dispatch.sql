-- The dispatch service (issue 3): crews, API tokens with roles, crew heartbeats.
--   * a token is 256 random bits shown once; only its SHA-256 digest is stored. A slow password
--     hash (argon2) is for low-entropy secrets; on every claim it would cost more than the claim;
--   * a crew token names its crew: the crew's id is the seed's `worker_id`;
--   * heartbeats keep the latest position and time on the crew (seed 003's device health) and
--     every report in crew_heartbeats, for the day's analytics.
-- Frozen once released: later changes go in later files.

CREATE TABLE crews (
  -- The seed's worker_id ("user_456", "van-3"): what a crew device sends and tasks record.
  crew_id       text PRIMARY KEY CHECK (crew_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
  name          text NOT NULL,
  -- Bikes the van carries; a crew is never handed a task with a larger quantity.
  van_capacity  integer CHECK (van_capacity > 0),
  last_seen_at  timestamptz,
  last_lat      double precision CHECK (last_lat BETWEEN -90 AND 90),
  last_lon      double precision CHECK (last_lon BETWEEN -180 AND 180),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((last_lat IS NULL) = (last_lon IS NULL))
);
CREATE TRIGGER crews_touch BEFORE UPDATE ON crews
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE crew_heartbeats (
  crew_id   text NOT NULL REFERENCES crews ON UPDATE CASCADE,
  at        timestamptz NOT NULL DEFAULT now(),
  lat       double precision CHECK (lat BETWEEN -90 AND 90),
  lon       double precision CHECK (lon BETWEEN -180 AND 180),
  battery   real CHECK (battery BETWEEN 0 AND 1),
  CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX crew_heartbeats_crew_idx ON crew_heartbeats (crew_id, at);
CREATE INDEX crew_heartbeats_at_brin ON crew_heartbeats USING brin (at);

CREATE TYPE api_role AS ENUM ('crew', 'dispatcher', 'analyst', 'engine');

CREATE TABLE api_tokens (
  token_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL CHECK (name <> ''),
  role          api_role NOT NULL,
  crew_id       text REFERENCES crews ON UPDATE CASCADE,
  -- SHA-256 of the whole token; the token itself is never stored.
  token_hash    bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  -- The first characters of the token, so a dispatcher can tell tokens apart in a list.
  token_prefix  text NOT NULL,
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  revoked_by    text,
  CHECK ((role = 'crew') = (crew_id IS NOT NULL)),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX api_tokens_crew_idx ON api_tokens (crew_id) WHERE crew_id IS NOT NULL;

-- Tasks held longest first: the stale-lease list the dispatcher watches.
CREATE INDEX tasks_assigned_idx ON tasks (assigned_at) WHERE status = 'assigned';
-- GET /tasks pages newest first by id.
CREATE INDEX tasks_status_id_idx ON tasks (status, id DESC);
CREATE INDEX suggestions_status_id_idx ON suggestions (status, id DESC);
