-- The suggestion engine (issue 7): its demand model, versioned, with the data it was fitted on
-- and how accurate it is, after seed 004's models / predictions / model_metrics.
--   * engine_models: one row per fit (a version per system), at most one active per system;
--   * engine_station_rates: the fitted Poisson rates, one row per station and day type holding
--     its 96 quarter-hour slots as arrays (2,000 stations: 4,000 rows a fit, not 384,000);
--   * engine_model_metrics: MAE/RMSE of 15-minute counts on held-out days, next to the
--     seasonal-naive forecast (same slot one week earlier) on the same cells.
-- Frozen once released: later changes go in later files.

CREATE TABLE engine_models (
  model_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id       text NOT NULL REFERENCES systems ON UPDATE CASCADE ON DELETE CASCADE,
  name            text NOT NULL DEFAULT 'station-demand',
  -- 1, 2, 3 ... per system and name: what a run summary and a suggestion's reason cite.
  version         integer NOT NULL CHECK (version > 0),
  kind            text NOT NULL DEFAULT 'poisson-slot-rates',
  -- Smoothing, slot length, how censoring was corrected, and anything else the fit used.
  parameters      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
  -- The flows the rates were counted from: [fitted_from, fitted_to).
  fitted_from     timestamptz NOT NULL,
  fitted_to       timestamptz NOT NULL,
  weekdays        integer NOT NULL CHECK (weekdays >= 0),
  weekend_days    integer NOT NULL CHECK (weekend_days >= 0),
  -- Station-slot cells whose usable minutes the status history reduced (0: no history).
  censored_cells  integer NOT NULL DEFAULT 0 CHECK (censored_cells >= 0),
  is_active       boolean NOT NULL DEFAULT false,
  trained_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (fitted_to > fitted_from),
  UNIQUE (system_id, name, version)
);
CREATE UNIQUE INDEX engine_models_active_idx ON engine_models (system_id, name) WHERE is_active;

CREATE TABLE engine_station_rates (
  model_id          bigint NOT NULL REFERENCES engine_models ON DELETE CASCADE,
  system_id         text NOT NULL,
  station_id        text NOT NULL,
  day_type          text NOT NULL CHECK (day_type IN ('weekday', 'weekend')),
  -- Expected rentals and returns per hour in each 15-minute slot of the local day (96 each).
  rentals_per_hour  real[] NOT NULL CHECK (cardinality(rentals_per_hour) = 96),
  returns_per_hour  real[] NOT NULL CHECK (cardinality(returns_per_hour) = 96),
  PRIMARY KEY (model_id, station_id, day_type),
  FOREIGN KEY (system_id, station_id) REFERENCES stations ON UPDATE CASCADE
);

CREATE TABLE engine_model_metrics (
  model_id        bigint NOT NULL REFERENCES engine_models ON DELETE CASCADE,
  -- The held-out days, [held_out_from, held_out_to), never part of the fit measured here.
  held_out_from   timestamptz NOT NULL,
  held_out_to     timestamptz NOT NULL,
  -- Station x slot x kind (rentals, returns) cells compared.
  cells           integer NOT NULL CHECK (cells >= 0),
  mae             double precision NOT NULL CHECK (mae >= 0),
  baseline_mae    double precision NOT NULL CHECK (baseline_mae >= 0),
  rmse            double precision NOT NULL CHECK (rmse >= 0),
  baseline_rmse   double precision NOT NULL CHECK (baseline_rmse >= 0),
  baseline        text NOT NULL DEFAULT 'seasonal-naive: same station and slot 7 days earlier',
  detail          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  computed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, held_out_from),
  CHECK (held_out_to > held_out_from)
);
