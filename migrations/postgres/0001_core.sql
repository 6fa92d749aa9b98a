-- Candor core schema (PostgreSQL). Times are Unix milliseconds; booleans are 0/1
-- so one query path serves both backends.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT,
    locale      TEXT NOT NULL,
    attributes  TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE consents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    granted        BIGINT NOT NULL,
    source         TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX consents_by_customer ON consents (customer_id, purpose, id);

CREATE TABLE orders (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    tracking     TEXT,
    items        TEXT NOT NULL DEFAULT '[]',
    total        TEXT NOT NULL,
    placed_at    TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id);

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT REFERENCES customers(id) ON DELETE CASCADE,
    locale       TEXT NOT NULL,
    state        TEXT NOT NULL,
    last_seq     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX conversations_by_customer ON conversations (customer_id);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    sender           TEXT NOT NULL,
    text             TEXT NOT NULL,
    client_id        TEXT,
    why              TEXT,
    created_at       BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
);

CREATE TABLE audit_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               BIGINT NOT NULL,
    code             TEXT NOT NULL,
    actor            TEXT NOT NULL,
    customer_id      TEXT,
    conversation_id  TEXT,
    detail           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_customer ON audit_events (customer_id);
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
