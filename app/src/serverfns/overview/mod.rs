//! The numbers on the overview page.

mod get_overview;

pub use get_overview::*;
use serde::{Deserialize, Serialize};

/// What the overview shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub licenses: i64,
    pub active_kid: Option<String>,
    pub keys: usize,
    /// `None` when the chain verifies; the first broken row's sequence number otherwise.
    pub audit_broken_at: Option<i64>,
    pub audit_rows: i64,
    pub database: String,
    /// License events recorded and not yet published, and the oldest one's age in seconds.
    pub events_waiting: i64,
    pub oldest_event_age: Option<i64>,
}
