-- Human handoff: agents, the queue on the conversation row, and a log of
-- every handoff transition with its time.
CREATE TABLE agents (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    available   BIGINT NOT NULL DEFAULT 0,
    capacity    BIGINT NOT NULL DEFAULT 3,
    created_at  BIGINT NOT NULL
);

ALTER TABLE conversations ADD COLUMN agent_id TEXT REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
ALTER TABLE conversations ADD COLUMN queued_at BIGINT;
ALTER TABLE conversations ADD COLUMN unattended_notice_at BIGINT;
CREATE INDEX conversations_queue ON conversations (state, queued_at);

CREATE TABLE handoff_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    agent_id         TEXT,
    reason           TEXT,
    at               BIGINT NOT NULL
);
CREATE INDEX handoff_events_by_conversation ON handoff_events (conversation_id, id);
