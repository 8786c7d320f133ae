//! The dashboard's charts.

mod get_dashboard;

pub use get_dashboard::*;
use serde::{Deserialize, Serialize};

/// What the dashboard charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    /// (week start, licenses first issued that week), oldest first.
    pub weeks: Vec<(i64, i64)>,
    /// Active licenses by last heartbeat: < 24 h, < 7 d, 7–30 d, ≥ 30 d, never.
    pub freshness: [i64; 5],
    /// Open anomalies: (license id, kind, detail, detected at).
    pub anomalies: Vec<(String, String, String, i64)>,
}
