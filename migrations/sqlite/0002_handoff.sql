-- Human handoff: agents, the queue on the conversation row, and a log of
-- every handoff transition with its time.
CREATE TABLE agents (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    available   INTEGER NOT NULL DEFAULT 0,
    capacity    INTEGER NOT NULL DEFAULT 3,
    created_at  INTEGER NOT NULL
);

ALTER TABLE conversations ADD COLUMN agent_id TEXT REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
ALTER TABLE conversations ADD COLUMN unattended_notice_at INTEGER;
CREATE INDEX conversations_queue ON conversations (state, queued_at);

CREATE TABLE handoff_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    agent_id         TEXT,
    reason           TEXT,
    at               INTEGER NOT NULL
);
CREATE INDEX handoff_events_by_conversation ON handoff_events (conversation_id, id);
