-- Usage: what a deployment reports it uses, sent with its heartbeats (seats taken per plugin,
-- the amount of each capped thing), so the customer's /billing shows it against what the
-- license grants. The vendor keeps the latest report of each license; a self-hosted install
-- keeps what its product last reported of each cap.

CREATE TABLE license_usage (
    license_id TEXT PRIMARY KEY REFERENCES licenses (id),
    install_id TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    -- JSON: {"seats": {"plugin": used}, "caps": {"cap": used}}
    usage TEXT NOT NULL
);

CREATE TABLE cap_usage (
    cap TEXT PRIMARY KEY,
    used BIGINT NOT NULL,
    reported_at BIGINT NOT NULL
);
