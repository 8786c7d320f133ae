//! The dashboard's charts.

mod get_dashboard;

pub use get_dashboard::*;
use serde::{Deserialize, Serialize};

use super::licenses::AnomalyEntry;

/// What the dashboard charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    /// Licenses first issued per week, oldest first.
    pub weeks: Vec<WeekBar>,
    /// Active licenses by last heartbeat: < 24 h, < 7 d, 7–30 d, ≥ 30 d, never.
    pub freshness: [i64; 5],
    /// Open anomalies, newest first.
    pub anomalies: Vec<AnomalyEntry>,
}

/// One week of the issuance chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekBar {
    /// The week's first second (unix).
    pub week: i64,
    /// Licenses first issued that week.
    pub issued: i64,
}
