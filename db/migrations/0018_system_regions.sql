-- system_regions.json: the names of the region ids stations carry (station_information's
-- region_id), so the console shows "Oakland" where the feed says 12. Written by the poller when
-- the file changes: the rows are the file's regions, those it no longer lists deleted.
CREATE TABLE system_regions (
  system_id  text NOT NULL REFERENCES systems ON UPDATE CASCADE ON DELETE CASCADE,
  region_id  text NOT NULL,
  name       text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system_id, region_id)
);
