-- The live bus between Candor instances sharing this database (PostgreSQL
-- only; a single SQLite box needs none). Each row is one event that must
-- reach the other instances; `seq` is assigned in commit order (writers take
-- a transaction-scoped advisory lock first), so a listener that remembers
-- the last seq it read can always catch up with `seq > last` after a
-- reconnect, with nothing lost or doubled. Payloads carry ids, states and
-- agent display names, never message text (receivers read messages from
-- their own table). Rows older than a few minutes are pruned by the
-- instances themselves.
CREATE TABLE bus_events (
    seq         BIGSERIAL PRIMARY KEY,
    origin      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
