//! Usage: how much of what a license grants a deployment uses. A self-hosted install sends it
//! with every heartbeat: the seats taken per plugin, and what its product last reported of
//! each cap (`PUT /api/v1/usage/{cap}`). A vendor's own Tessera, licensed by another Tessera,
//! sends its catalog's counts against the caps of that license. The vendor keeps the latest
//! report of each license, and `/billing` shows it against the license.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tessera_license::claims::Claims;

use crate::input::printable;
use crate::store::UsageRow;
use crate::{now, Backend, Error, Result};

/// Most seat or cap entries one report may carry.
pub const MAX_ENTRIES: usize = 64;
/// The largest amount one entry may report.
pub const MAX_USED: i64 = 1_000_000_000;
/// The longest cap name.
const MAX_CAP_NAME: usize = 64;

/// What a deployment reports using.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    /// Seats taken per plugin (distinct users holding a billable role).
    #[serde(default)]
    pub seats: BTreeMap<String, i64>,
    /// How much of each capped thing is in use.
    #[serde(default)]
    pub caps: BTreeMap<String, i64>,
}

fn amount(field: &str, name: &str, used: i64) -> Result<()> {
    if (0..=MAX_USED).contains(&used) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{field}: {name} must be 0 to {MAX_USED} (got {used})"
        )))
    }
}

/// A cap's name: 1 to 64 printable characters without surrounding blanks.
pub(crate) fn cap_name(field: &str, name: &str) -> Result<()> {
    printable(field, name)?;
    if name.is_empty() || name.len() > MAX_CAP_NAME || name.trim() != name {
        return Err(Error::invalid(format!(
            "{field}: a cap's name is 1 to {MAX_CAP_NAME} characters without surrounding blanks"
        )));
    }
    Ok(())
}

impl Usage {
    /// Refuses a report that is too large or names or counts something impossibly.
    pub fn check(&self) -> Result<()> {
        for (field, entries) in [("usage.seats", &self.seats), ("usage.caps", &self.caps)] {
            if entries.len() > MAX_ENTRIES {
                return Err(Error::invalid(format!(
                    "{field}: at most {MAX_ENTRIES} entries"
                )));
            }
        }
        for (plugin, used) in &self.seats {
            crate::selfhost::seats::name("usage.seats", plugin)?;
            amount("usage.seats", plugin, *used)?;
        }
        for (cap, used) in &self.caps {
            cap_name("usage.caps", cap)?;
            amount("usage.caps", cap, *used)?;
        }
        Ok(())
    }

    /// Nothing reported.
    pub fn is_empty(&self) -> bool {
        self.seats.is_empty() && self.caps.is_empty()
    }
}

/// One line of a usage report set against the license: `used` of `licensed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    /// A plugin (for seats) or a cap.
    pub name: String,
    pub used: i64,
    /// What the license grants; `None` when it does not limit this.
    pub licensed: Option<i64>,
}

impl UsageLine {
    /// More in use than licensed (after a downgrade, say).
    pub fn over(&self) -> bool {
        self.licensed.is_some_and(|l| self.used > l)
    }
}

/// A license's latest usage report, against what it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseUsage {
    pub install_id: String,
    pub reported_at: i64,
    pub seats: Vec<UsageLine>,
    pub caps: Vec<UsageLine>,
}

impl LicenseUsage {
    /// `row` set against `claims`. A report that no longer parses shows as empty.
    pub fn of(row: &UsageRow, claims: &Claims) -> Self {
        let usage: Usage = serde_json::from_str(&row.usage).unwrap_or_default();
        let lic = &claims.lic;
        let seats = usage
            .seats
            .iter()
            .map(|(plugin, used)| UsageLine {
                name: plugin.clone(),
                used: *used,
                licensed: lic.seats.get(plugin).map(|grant| {
                    let limit = grant.pool.unwrap_or_else(|| {
                        grant.roles.values().copied().fold(0, u32::saturating_add)
                    });
                    i64::from(limit)
                }),
            })
            .collect();
        let caps = usage
            .caps
            .iter()
            .map(|(cap, used)| UsageLine {
                name: cap.clone(),
                used: *used,
                licensed: lic.caps.get(cap).copied(),
            })
            .collect();
        Self {
            install_id: row.install_id.clone(),
            reported_at: row.reported_at,
            seats,
            caps,
        }
    }
}

/// A cap's use as the product reported it to its self-hosted install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapUse {
    pub cap: String,
    pub used: i64,
    /// What the license in force allows; `None` when it does not cap this.
    pub licensed: Option<i64>,
    pub reported_at: i64,
}

impl Backend {
    /// Records how much of `cap` the product beside this self-hosted install uses; it goes
    /// to the vendor with the next heartbeat. A cap beyond the [`MAX_ENTRIES`] already known
    /// is refused (a heartbeat carries no more).
    pub async fn report_cap_usage(&self, cap: &str, used: i64) -> Result<CapUse> {
        self.self_host()?;
        cap_name("cap", cap)?;
        amount("used", cap, used)?;
        let known = self.store.cap_usage().await?;
        if known.len() >= MAX_ENTRIES && !known.iter().any(|row| row.cap == cap) {
            return Err(Error::invalid(format!(
                "cap: at most {MAX_ENTRIES} caps are reported to the vendor, and {} are already",
                known.len()
            )));
        }
        let at = now();
        self.store.put_cap_usage(cap, used, at).await?;
        let view = self.install_view().await?;
        Ok(CapUse {
            cap: cap.to_string(),
            used,
            licensed: view.effective.caps.get(cap).copied(),
            reported_at: at,
        })
    }

    /// Every cap's use as the product last reported it (a self-hosted install).
    pub async fn cap_usage(&self) -> Result<Vec<CapUse>> {
        self.self_host()?;
        let view = self.install_view().await?;
        Ok(self
            .store
            .cap_usage()
            .await?
            .into_iter()
            .map(|row| CapUse {
                licensed: view.effective.caps.get(&row.cap).copied(),
                cap: row.cap,
                used: row.used,
                reported_at: row.reported_at,
            })
            .collect())
    }

    /// What this deployment tells its vendor it uses: a self-hosted install its seats and
    /// caps, a vendor its catalog against its own license's caps. `None` when there is
    /// nothing to tell.
    pub async fn usage_report(&self) -> Result<Option<Usage>> {
        let mut usage = Usage::default();
        if self.self_host().is_ok() {
            for plugin in self.all_plugin_seats().await?.iter().take(MAX_ENTRIES) {
                usage
                    .seats
                    .insert(plugin.roles.plugin.clone(), i64::from(plugin.usage.used));
            }
            for cap in self.store.cap_usage().await?.into_iter().take(MAX_ENTRIES) {
                usage.caps.insert(cap.cap, cap.used);
            }
        } else {
            let catalog = self.catalog().await?;
            let active: Vec<_> = catalog.products.iter().filter(|p| p.spec.active).collect();
            let plans = active
                .iter()
                .map(|p| p.plans.iter().filter(|plan| plan.spec.active).count())
                .max()
                .unwrap_or(0);
            let coupons = catalog.coupons.iter().filter(|c| c.spec.active).count();
            let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            usage.caps = BTreeMap::from([
                (
                    crate::catalog::CAP_PRODUCTS.to_string(),
                    count(active.len()),
                ),
                (
                    crate::catalog::CAP_PLANS_PER_PRODUCT.to_string(),
                    count(plans),
                ),
                (
                    crate::catalog::CAP_ACTIVE_COUPONS.to_string(),
                    count(coupons),
                ),
            ]);
        }
        Ok((!usage.is_empty()).then_some(usage))
    }
}
