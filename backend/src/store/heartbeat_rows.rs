//! What heartbeats store and read: the rows, the counts, and how a batch is reduced to one
//! write per install and per license.

use serde::Serialize;
use tessera_license::vocab::AnomalyKind;

use super::list_from_column;

/// One heartbeat to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatRecord {
    pub license_id: String,
    pub at: i64,
    pub install_id: String,
    pub kid: Option<String>,
    pub version: String,
    pub ip: String,
    pub fingerprint: Option<String>,
    pub accepted_kids: Vec<String>,
    /// What the install reported using, as JSON (see `license_usage`).
    pub usage: Option<String>,
}

/// A stored heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HeartbeatRow {
    pub at: i64,
    pub install_id: String,
    pub kid: Option<String>,
    pub version: String,
    pub ip: String,
    pub fingerprint: Option<String>,
    #[sqlx(try_from = "String")]
    pub accepted_kids: KidList,
}

/// The kids a heartbeat said its install accepts (stored as `,a,b,`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KidList(pub Vec<String>);

impl From<String> for KidList {
    fn from(column: String) -> Self {
        Self(list_from_column(&column))
    }
}

/// An install id seen for a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InstallRow {
    pub install_id: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_ip: String,
    pub last_version: String,
}

/// Something about a license that an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AnomalyRow {
    pub id: String,
    pub license_id: String,
    pub kind: AnomalyKind,
    pub detected_at: i64,
    pub detail: String,
    pub resolved_at: Option<i64>,
}

/// What a retention run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Raw rows folded into per-day rows and deleted.
    pub rolled_up: u64,
    /// Installs forgotten after 90 days unseen.
    pub installs_pruned: u64,
    /// Expired sign-in sessions deleted.
    pub sessions_purged: u64,
}

/// How many recent heartbeats there were, and how many of them came from installs that
/// accept a given key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct KidAdoption {
    pub total: i64,
    pub accepting: i64,
}

/// Heartbeat freshness of active licenses: < 24 h, < 7 d, 7–30 d, ≥ 30 d, never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FreshnessCounts {
    pub day: i64,
    pub week: i64,
    pub month: i64,
    pub stale: i64,
    pub never: i64,
}

/// Installs seen for one license in a window.
#[derive(Debug, sqlx::FromRow)]
pub struct InstallCount {
    pub license_id: String,
    pub n: i64,
}

/// The latest heartbeat of each (license, install) in a batch.
pub(super) fn latest_per_install(batch: &[HeartbeatRecord]) -> Vec<&HeartbeatRecord> {
    let mut latest: std::collections::HashMap<(&str, &str), &HeartbeatRecord> =
        std::collections::HashMap::new();
    for hb in batch {
        let slot = latest
            .entry((hb.license_id.as_str(), hb.install_id.as_str()))
            .or_insert(hb);
        if hb.at >= slot.at {
            *slot = hb;
        }
    }
    latest.into_values().collect()
}

/// Each license in a batch with its latest heartbeat time.
pub(super) fn latest_per_license(batch: &[HeartbeatRecord]) -> Vec<(String, i64)> {
    let mut latest: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for hb in batch {
        let at = latest.entry(hb.license_id.as_str()).or_insert(hb.at);
        *at = (*at).max(hb.at);
    }
    latest
        .into_iter()
        .map(|(id, at)| (id.to_string(), at))
        .collect()
}

/// The latest heartbeat of each license in a batch that reported usage, with that usage.
pub(super) fn latest_usage_per_license(batch: &[HeartbeatRecord]) -> Vec<(&HeartbeatRecord, &str)> {
    let mut latest: std::collections::BTreeMap<&str, (&HeartbeatRecord, &str)> =
        std::collections::BTreeMap::new();
    for hb in batch {
        let Some(usage) = hb.usage.as_deref() else {
            continue;
        };
        let slot = latest.entry(hb.license_id.as_str()).or_insert((hb, usage));
        if hb.at >= slot.0.at {
            *slot = (hb, usage);
        }
    }
    latest.into_values().collect()
}
