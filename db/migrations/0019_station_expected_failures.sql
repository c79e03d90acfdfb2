-- The engine's expected failures per station (issue 16): what the Stations table's "most
-- urgent" orders by. Each engine run on a system replaces its rows. by_bikes[x + 1] is the
-- demand model's expected failed rentals plus failed returns over the next horizon_minutes when
-- the station holds x bikes (x = 0..capacity at the run), so the table reads the value at the
-- station's latest count, not at the count the run saw.
CREATE TABLE station_expected_failures (
  system_id       text NOT NULL,
  station_id      text NOT NULL,
  by_bikes        real[] NOT NULL CHECK (cardinality(by_bikes) > 0),
  horizon_minutes integer NOT NULL CHECK (horizon_minutes > 0),
  computed_at     timestamptz NOT NULL,
  model_version   integer,
  PRIMARY KEY (system_id, station_id),
  FOREIGN KEY (system_id, station_id) REFERENCES stations ON UPDATE CASCADE ON DELETE CASCADE
);
