-- Candor core schema (SQLite). Times are Unix milliseconds; booleans are 0/1.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT,
    locale      TEXT NOT NULL,
    attributes  TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Append-only consent history: the current state is the latest row per purpose.
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id    TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    granted        INTEGER NOT NULL,
    source         TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL
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
    updated_at   INTEGER NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id);

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY NOT NULL,
    customer_id  TEXT REFERENCES customers(id) ON DELETE CASCADE,
    locale       TEXT NOT NULL,
    state        TEXT NOT NULL,
    last_seq     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX conversations_by_customer ON conversations (customer_id);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY NOT NULL,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    sender           TEXT NOT NULL,
    text             TEXT NOT NULL,
    client_id        TEXT,
    why              TEXT,
    created_at       INTEGER NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
);

-- Append-only audit trail with stable event codes. `detail` never holds personal data.
CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               INTEGER NOT NULL,
    code             TEXT NOT NULL,
    actor            TEXT NOT NULL,
    customer_id      TEXT,
    conversation_id  TEXT,
    detail           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_customer ON audit_events (customer_id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
