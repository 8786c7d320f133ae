//! The storage and use-case suite, run against SQLite and PostgreSQL, each test on a fresh
//! database.

mod api_tokens;
mod audit;
mod catalog;
mod heartbeats;
mod keys;
mod licenses;
mod lifecycle;
mod listing;
mod outbox;
mod self_host;
mod smtp;
mod stripe_sync;
mod usage;
mod users;
mod webhooks;
