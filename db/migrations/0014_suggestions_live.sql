-- Suggestions a dispatcher can trust (issue 16):
--   * each suggestion keeps the numbers its proposer saw (bikes and free docks at both ends when
--     it was proposed), so the console shows them beside the live ones, labelled;
--   * every change to suggestions (an engine run, an approval, a rejection, an undo, a new one)
--     notifies the `suggestions` channel once per system and transaction: consoles reload their
--     list live;
--   * a decision can be undone (approved or rejected back to open), only by the undo operation,
--     which says so with SET LOCAL balancer.undo = 'on'; every other path keeps the old rule.
-- Frozen once released: later changes go in later files.

ALTER TABLE suggestions
  ADD COLUMN from_bikes integer CHECK (from_bikes >= 0),
  ADD COLUMN from_docks integer CHECK (from_docks >= 0),
  ADD COLUMN to_bikes   integer CHECK (to_bikes >= 0),
  ADD COLUMN to_docks   integer CHECK (to_docks >= 0);

COMMENT ON COLUMN suggestions.from_bikes IS 'Bikes at the source when proposed (null: unknown).';
COMMENT ON COLUMN suggestions.to_docks IS 'Free docks at the sink when proposed (null: unknown).';

CREATE OR REPLACE FUNCTION suggestions_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'open' AND NOT (
       NEW.status = 'open' AND OLD.status IN ('approved', 'rejected')
       AND coalesce(current_setting('balancer.undo', true), '') = 'on'
  ) THEN
    RAISE EXCEPTION 'suggestion % is already %', OLD.id, OLD.status
      USING ERRCODE = '23514', CONSTRAINT = 'suggestions_status_transition';
  END IF;
  RETURN NEW;
END $$;

-- One notification per system and transaction (PostgreSQL folds identical payloads).
CREATE FUNCTION suggestions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('suggestions', json_build_object('system_id', system_id)::text)
     FROM (SELECT DISTINCT system_id FROM changed) AS systems;
  RETURN NULL;
END $$;
CREATE TRIGGER suggestions_notify_insert AFTER INSERT ON suggestions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION suggestions_notify();
CREATE TRIGGER suggestions_notify_update AFTER UPDATE ON suggestions
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION suggestions_notify();
