-- Knowledge base: the shop's FAQ and policy entries (nothing personal: not
-- part of export or erasure). `embedding` is the entry's sentence embedding
-- as f32 little-endian bytes, `embedding_model` the model that made it.
CREATE TABLE kb_entries (
    id               TEXT PRIMARY KEY NOT NULL,
    title            TEXT NOT NULL,
    text             TEXT NOT NULL,
    locale           TEXT NOT NULL,
    embedding        BLOB,
    embedding_model  TEXT,
    source           TEXT NOT NULL CHECK (source IN ('file', 'api')),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- One row whose version every write and deletion of an entry bumps (in the
-- same transaction), so each instance can tell with one cheap read whether
-- its in-memory retrieval index is stale.
CREATE TABLE kb_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO kb_state (id, version) VALUES (1, 0);
