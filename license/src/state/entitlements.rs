//! What an install may use right now: the signed grant, narrowed by live data, or the free
//! Community set.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::claims::{Claims, LicenseGrant, SeatGrant, Tier};

/// The free Community caps an unlicensed (or lapsed) install runs with: Tessera's own free
/// Creator tier of 5 products, 5 plans per product and 10 active coupons.
pub const COMMUNITY_CAPS: &[(&str, i64)] = &[
    ("products", 5),
    ("plans_per_product", 5),
    ("active_coupons", 10),
];

/// The entitlements in force: tier, feature flags, caps, plugins, themes, niches, seats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements {
    /// The signed tier; `None` for Community.
    #[serde(default)]
    pub tier: Option<Tier>,
    /// Feature flags.
    #[serde(default)]
    pub features: BTreeSet<String>,
    /// Numeric caps.
    #[serde(default)]
    pub caps: BTreeMap<String, i64>,
    /// Plugins.
    #[serde(default)]
    pub plugins: BTreeSet<String>,
    /// Themes.
    #[serde(default)]
    pub themes: BTreeSet<String>,
    /// Niches.
    #[serde(default)]
    pub niches: BTreeSet<String>,
    /// Seats per plugin.
    #[serde(default)]
    pub seats: BTreeMap<String, SeatGrant>,
}

impl Entitlements {
    /// Exactly what a grant signs for.
    pub fn from_grant(grant: &LicenseGrant) -> Self {
        Self {
            tier: Some(grant.tier),
            features: grant.features.iter().cloned().collect(),
            caps: grant.caps.clone(),
            plugins: grant.plugins.iter().cloned().collect(),
            themes: grant.themes.iter().cloned().collect(),
            niches: grant.niches.iter().cloned().collect(),
            seats: grant.seats.clone(),
        }
    }

    /// The free Community set: [`COMMUNITY_CAPS`], no features, no plugins, tier `None`.
    pub fn community() -> Self {
        Self {
            caps: COMMUNITY_CAPS
                .iter()
                .map(|(name, value)| ((*name).to_owned(), *value))
                .collect(),
            ..Self::default()
        }
    }

    /// Whether a feature flag is on.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.contains(feature)
    }

    /// A cap's value, if the cap is set.
    pub fn cap(&self, name: &str) -> Option<i64> {
        self.caps.get(name).copied()
    }
}

/// The signed grant clamped by the live entitlements: the live side may narrow, never widen.
/// Sets are intersected, caps and seat counts take the minimum, nothing absent from the token
/// is ever added, and the tier stays the signed tier.
pub fn effective_entitlements(claims: &Claims, live: Option<&Entitlements>) -> Entitlements {
    let mut signed = Entitlements::from_grant(&claims.lic);
    let Some(live) = live else {
        return signed;
    };
    signed.features.retain(|f| live.features.contains(f));
    signed.plugins.retain(|p| live.plugins.contains(p));
    signed.themes.retain(|t| live.themes.contains(t));
    signed.niches.retain(|n| live.niches.contains(n));
    for (name, value) in &mut signed.caps {
        if let Some(live_value) = live.caps.get(name) {
            *value = (*value).min(*live_value);
        }
    }
    for (plugin, grant) in &mut signed.seats {
        if let Some(live_grant) = live.seats.get(plugin) {
            narrow_seats(grant, live_grant);
        }
    }
    signed
}

/// Per-role counts and the pool take the minimum; a limit the token lacks is not added.
fn narrow_seats(signed: &mut SeatGrant, live: &SeatGrant) {
    for (role, count) in &mut signed.roles {
        if let Some(live_count) = live.roles.get(role) {
            *count = (*count).min(*live_count);
        }
    }
    if let (Some(pool), Some(live_pool)) = (signed.pool.as_mut(), live.pool) {
        *pool = (*pool).min(live_pool);
    }
}
