//! Seats: per-plugin roles, billable or free, and the turnstile that refuses a billable role
//! beyond the licensed count. A downgrade below current holders shows as `over`; nobody is
//! ever removed by this module.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::claims::SeatGrant;

/// A role a plugin declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDef {
    /// The role's name, e.g. `editor`.
    pub name: String,
    /// Whether holding it takes a seat.
    pub billable: bool,
}

/// A plugin and its roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginRoles {
    /// The plugin's key, as in the token's `seats`.
    pub plugin: String,
    /// Its roles.
    pub roles: Vec<RoleDef>,
}

impl PluginRoles {
    fn role(&self, name: &str) -> Option<&RoleDef> {
        self.roles.iter().find(|r| r.name == name)
    }

    fn is_billable(&self, name: &str) -> bool {
        self.role(name).is_some_and(|r| r.billable)
    }
}

/// One current role assignment within a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// The user.
    pub user: String,
    /// The role held.
    pub role: String,
}

/// Why a role could not be granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatError {
    /// The plugin declares no such role.
    #[error("plugin {plugin:?} has no role {role:?}")]
    UnknownRole {
        /// The plugin.
        plugin: String,
        /// The requested role.
        role: String,
    },
    /// Granting would exceed the licensed seats.
    #[error("{}", limit_message(plugin, role.as_deref(), *limit, *used))]
    SeatLimitReached {
        /// The plugin.
        plugin: String,
        /// The role whose count is exhausted; `None` when the shared pool is.
        role: Option<String>,
        /// The licensed count.
        limit: u32,
        /// Seats in use.
        used: u32,
    },
}

fn limit_message(plugin: &str, role: Option<&str>, limit: u32, used: u32) -> String {
    match role {
        Some(role) => format!(
            "all {limit} licensed {role:?} seats of plugin {plugin:?} are taken ({used} in use)"
        ),
        None => format!("all {limit} pooled seats of plugin {plugin:?} are taken ({used} in use)"),
    }
}

impl SeatError {
    /// A stable code: `unknown_role` or `seat_limit_reached`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownRole { .. } => "unknown_role",
            Self::SeatLimitReached { .. } => "seat_limit_reached",
        }
    }
}

/// Seats in use: distinct users holding at least one billable role of the plugin.
pub fn seats(plugin: &PluginRoles, holdings: &[Holding]) -> u32 {
    count_users(holdings.iter().filter(|h| plugin.is_billable(&h.role)))
}

fn count_users<'h>(holdings: impl Iterator<Item = &'h Holding>) -> u32 {
    let users: BTreeSet<&str> = holdings.map(|h| h.user.as_str()).collect();
    u32::try_from(users.len()).unwrap_or(u32::MAX)
}

fn role_holders(holdings: &[Holding], role: &str) -> u32 {
    count_users(holdings.iter().filter(|h| h.role == role))
}

/// Checks whether `user` may be granted `role`. Free roles always pass; re-granting a held
/// role is a no-op; a billable role must fit its per-role count (if the grant lists the role)
/// and the pool (if the grant has one). A billable role covered by neither has limit 0.
pub fn grant_role(
    plugin: &PluginRoles,
    grant: Option<&SeatGrant>,
    holdings: &[Holding],
    user: &str,
    role: &str,
) -> Result<(), SeatError> {
    let Some(def) = plugin.role(role) else {
        return Err(SeatError::UnknownRole {
            plugin: plugin.plugin.clone(),
            role: role.to_owned(),
        });
    };
    if !def.billable || holdings.iter().any(|h| h.user == user && h.role == role) {
        return Ok(());
    }
    let role_limit = grant.and_then(|g| g.roles.get(role).copied());
    let pool = grant.and_then(|g| g.pool);
    let reached = |role: Option<&str>, limit: u32, used: u32| SeatError::SeatLimitReached {
        plugin: plugin.plugin.clone(),
        role: role.map(str::to_owned),
        limit,
        used,
    };
    if role_limit.is_some() || pool.is_none() {
        let limit = role_limit.unwrap_or(0);
        let used = role_holders(holdings, role);
        if used >= limit {
            return Err(reached(Some(role), limit, used));
        }
    }
    if let Some(pool) = pool {
        let already_seated = holdings
            .iter()
            .any(|h| h.user == user && plugin.is_billable(&h.role));
        let used = seats(plugin, holdings);
        if !already_seated && used >= pool {
            return Err(reached(None, pool, used));
        }
    }
    Ok(())
}

/// Seat usage of one plugin, for `X / N` displays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatUsage {
    /// The plugin.
    pub plugin: String,
    /// Seats in use (distinct users holding a billable role).
    pub used: u32,
    /// Licensed seats: the pool, else the sum of per-role counts; `None` when the plugin has
    /// no billable role.
    pub limit: Option<u32>,
    /// Per role.
    pub per_role: Vec<RoleUsage>,
    /// More seats in use than licensed (after a downgrade); shown, never enforced.
    pub over: bool,
}

/// Usage of one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleUsage {
    /// The role.
    pub role: String,
    /// Whether it takes a seat.
    pub billable: bool,
    /// Distinct users holding it.
    pub used: u32,
    /// Its own licensed count; `None` for free roles and billable roles bounded only by the
    /// pool.
    pub limit: Option<u32>,
    /// More holders than its count.
    pub over: bool,
}

/// Computes seat usage, per plugin and per role, including any `over` state.
pub fn usage(plugin: &PluginRoles, grant: Option<&SeatGrant>, holdings: &[Holding]) -> SeatUsage {
    let pool = grant.and_then(|g| g.pool);
    let per_role: Vec<RoleUsage> = plugin
        .roles
        .iter()
        .map(|def| {
            let used = role_holders(holdings, &def.name);
            let own = grant.and_then(|g| g.roles.get(&def.name).copied());
            let limit = match (def.billable, own, pool) {
                (false, _, _) => None,
                (true, Some(n), _) => Some(n),
                (true, None, Some(_)) => None,
                (true, None, None) => Some(0),
            };
            RoleUsage {
                role: def.name.clone(),
                billable: def.billable,
                used,
                limit,
                over: limit.is_some_and(|l| used > l),
            }
        })
        .collect();
    let used = seats(plugin, holdings);
    let limit = match pool {
        Some(pool) => Some(pool),
        None if plugin.roles.iter().any(|r| r.billable) => Some(
            per_role
                .iter()
                .filter_map(|r| r.limit)
                .fold(0u32, u32::saturating_add),
        ),
        None => None,
    };
    SeatUsage {
        plugin: plugin.plugin.clone(),
        used,
        over: limit.is_some_and(|l| used > l) || per_role.iter().any(|r| r.over),
        limit,
        per_role,
    }
}

#[cfg(test)]
mod tests;
