-- Phones paired by QR code (issue 15): a dispatcher makes a one-time pairing code for a crew, a
-- phone trades it for a crew token bound to a device record.
--   * the code is stored as its SHA-256 only, like tokens: it lives 10 minutes and is used once;
--   * a device is a crew token (api_tokens) with a name and the pairing it came from: its last
--     contact is the token's last_used_at and its revocation the token's revoked_at, so revoking
--     a device and revoking its token are one thing, and every token check stays one look-up.
-- Frozen once released: later changes go in later files.

CREATE TABLE crew_pairings (
  pairing_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  crew_id     text NOT NULL REFERENCES crews ON UPDATE CASCADE ON DELETE CASCADE,
  code_hash   bytea NOT NULL UNIQUE CHECK (octet_length(code_hash) = 32),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CHECK (expires_at > created_at)
);
-- Upkeep and a dispatcher's view look at the codes still open.
CREATE INDEX crew_pairings_open_idx ON crew_pairings (expires_at) WHERE used_at IS NULL;

CREATE TABLE crew_devices (
  device_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  crew_id     text NOT NULL REFERENCES crews ON UPDATE CASCADE,
  token_id    bigint NOT NULL UNIQUE REFERENCES api_tokens,
  pairing_id  bigint UNIQUE REFERENCES crew_pairings ON DELETE SET NULL,
  name        text NOT NULL CHECK (name <> '' AND length(name) <= 100),
  paired_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crew_devices_crew_idx ON crew_devices (crew_id);
