-- The transactional outbox: every license change writes its event here in the transaction
-- that makes the change (with its audit row), so an event exists exactly when its change
-- was committed. The publisher hands rows to NATS JetStream in `seq` order and marks them.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    license_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    published_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- One publisher at a time, whichever instance holds the lease: events leave in commit order.
CREATE TABLE outbox_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT,
    expires_at INTEGER NOT NULL
);
INSERT INTO outbox_lease (id, holder, expires_at) VALUES (1, NULL, 0);
