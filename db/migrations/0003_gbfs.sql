-- The GBFS poller (issue 4): who polled, which stations a status file left out, and when the
-- numbers on screen stop being live. Frozen once released: later changes go in later files.

-- Which console wrote a poll. With several dispatch desks on one database exactly one of them
-- polls (an advisory lock); the health page names it, and a failover shows as a change of hands.
ALTER TABLE feeds ADD COLUMN polled_by text;
ALTER TABLE feed_polls ADD COLUMN polled_by text;

-- Since when the feed's station_status has not listed a station that it used to list (Ford GoBike
-- 2018-05-01 left out 13 of 312). Its numbers are the last known ones, not live ones. Set and
-- cleared only when that changes, so a poll does not rewrite every station's row.
ALTER TABLE station_status_latest ADD COLUMN missing_since timestamptz;

-- A poll rewrites the latest state of every station that changed (all 1,811 of Divvy's when
-- every last_reported moves). Room on each page lets those be HOT updates that leave the
-- primary key alone; the table is a few hundred kB, so half-empty pages cost nothing.
ALTER TABLE station_status_latest SET (fillfactor = 50);

-- How old a feed's data may be before the console must stop showing it as live: the GBFS spec's
-- 5 minutes, or two of the feed's own ttl when it announces a longer one (Bay Wheels 2019-2020
-- published ttl 300: data just under 10 minutes old was on time for it).
CREATE FUNCTION feed_stale_after(ttl_seconds integer) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT make_interval(secs => greatest(300, 2 * coalesce(ttl_seconds, 0))) $$;

-- Every station's freshness at a moment (now, unless a test or a replay asks about another):
-- stale_reason is NULL for live numbers, else the first that applies of
--   no_status          the feed never gave this station a status;
--   feed_stale         the freshest feed of its system is older than feed_stale_after(ttl);
--   missing_from_feed  the last status file left the station out;
--   never_reported     last_reported was a sentinel (0, 86400, 18001) or in the future;
--   report_old         the station itself last reported more than an hour ago.
-- The hour: in a week of Bay Wheels status (2023-07-10..16) 95 % of installed stations had
-- reported within 273 s of the poll, and 3.0 % more than an hour before it, almost all of those
-- days or months before: an hour separates the two without flagging a slow station.
CREATE FUNCTION station_freshness(at timestamptz DEFAULT now())
RETURNS TABLE (system_id text, station_id text, stale boolean, stale_reason text)
LANGUAGE sql STABLE
AS $$
  SELECT s.system_id, s.station_id, r.reason IS NOT NULL, r.reason
    FROM stations s
    LEFT JOIN station_status_latest l
      ON l.system_id = s.system_id AND l.station_id = s.station_id
    LEFT JOIN LATERAL (
      SELECT f.feed_last_updated, f.ttl_seconds
        FROM feeds f
       WHERE f.system_id = s.system_id AND f.last_success_at IS NOT NULL
       ORDER BY f.feed_last_updated DESC NULLS LAST
       LIMIT 1
    ) f ON true
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN l.station_id IS NULL THEN 'no_status'
        WHEN f.feed_last_updated IS NULL
          OR at - f.feed_last_updated > feed_stale_after(f.ttl_seconds) THEN 'feed_stale'
        WHEN l.missing_since IS NOT NULL THEN 'missing_from_feed'
        WHEN l.last_reported IS NULL THEN 'never_reported'
        WHEN at - l.last_reported > interval '1 hour' THEN 'report_old'
      END AS reason
    ) r
$$;
