//! The numbers behind the dashboard and the keys page: issuance per week, heartbeat
//! freshness, open anomalies, and how far each key has been adopted by installs.

use serde::Serialize;

use crate::store::{AnomalyRow, FreshnessCounts, KeyStatus, WeekCount};
use crate::{now, Backend, Result};

/// How many weeks of issuance the dashboard charts.
pub const WEEKS: i64 = 12;
/// The window of heartbeats a key's adoption is measured over.
pub const ADOPTION_WINDOW_SECS: i64 = 7 * 86_400;
/// Share of recent heartbeats that must accept a key before activating it is safe.
pub const SAFE_ADOPTION: f64 = 0.95;

/// The dashboard's data.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Licenses first issued per week, oldest first, every week present.
    pub issued_per_week: Vec<WeekCount>,
    pub freshness: FreshnessCounts,
    pub open_anomalies: Vec<AnomalyRow>,
}

/// A key's adoption by installs.
#[derive(Debug, Clone, Serialize)]
pub struct KeyAdoption {
    pub kid: String,
    pub status: KeyStatus,
    /// Heartbeats in the window, and how many of them list this kid as accepted.
    pub heartbeats: i64,
    pub accepting: i64,
    /// Licenses (active, unexpired) signed by this key.
    pub live_licenses: i64,
}

impl KeyAdoption {
    /// The accepting share, or `None` with no heartbeats to judge by.
    pub fn share(&self) -> Option<f64> {
        (self.heartbeats > 0).then(|| self.accepting as f64 / self.heartbeats as f64)
    }
}

fn fill_weeks(counts: &[WeekCount], first: i64) -> Vec<WeekCount> {
    (0..WEEKS)
        .map(|i| {
            let week = first + i * 7 * 86_400;
            let n = counts.iter().find(|c| c.week == week).map_or(0, |c| c.n);
            WeekCount { week, n }
        })
        .collect()
}

impl Backend {
    /// Issuance per week, freshness distribution and open anomalies.
    pub async fn dashboard(&self) -> Result<Dashboard> {
        let at = now();
        let week = 7 * 86_400;
        let first = (at / week - (WEEKS - 1)) * week;
        let counts = self.store.issued_per_week(first).await?;
        Ok(Dashboard {
            issued_per_week: fill_weeks(&counts, first),
            freshness: self.store.freshness(at).await?,
            open_anomalies: self.store.anomalies(None, 20).await?,
        })
    }

    /// Adoption of every non-retired key over the last 7 days of heartbeats.
    pub async fn key_adoption(&self) -> Result<Vec<KeyAdoption>> {
        let at = now();
        let mut out = Vec::new();
        for key in self.store.list_keys().await? {
            if key.status == KeyStatus::Retired {
                continue;
            }
            let seen = self
                .store
                .kid_adoption(&key.kid, at - ADOPTION_WINDOW_SECS)
                .await?;
            let live_licenses = self.store.count_live_licenses_for_kid(&key.kid, at).await?;
            out.push(KeyAdoption {
                kid: key.kid,
                status: key.status,
                heartbeats: seen.total,
                accepting: seen.accepting,
                live_licenses,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_weeks_are_charted_as_zero() {
        let week = 7 * 86_400;
        let filled = fill_weeks(
            &[WeekCount {
                week: week * 3,
                n: 4,
            }],
            week,
        );
        assert_eq!(filled.len() as i64, WEEKS);
        assert_eq!(filled[0], WeekCount { week, n: 0 });
        assert_eq!(
            filled[2],
            WeekCount {
                week: week * 3,
                n: 4
            }
        );
    }
}
