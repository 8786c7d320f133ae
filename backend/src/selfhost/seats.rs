//! Plugin seats on a self-hosted install: plugins declare their roles (billable or free),
//! the product grants and revokes them, and a billable grant past the licensed count is
//! refused with `seat_limit_reached`. A downgrade below the current holders shows as `over`;
//! nobody is ever removed by it.

use std::sync::Arc;

use serde::Deserialize;
use tessera_license::seats::{self, PluginRoles, RoleDef, SeatUsage};
use tessera_license::vocab::AuditAction;
use tessera_license::SeatGrant;

use crate::input::printable;
use crate::store::{AuditEvent, GrantRow};
use crate::{now, Backend, Error, Result};

/// Most roles one plugin may declare.
pub const MAX_ROLES: usize = 64;

/// A plugin, its roles, how its seats are used, and who holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSeats {
    pub roles: PluginRoles,
    pub usage: SeatUsage,
    /// The grant of the license in force for this plugin, if any.
    pub licensed: Option<SeatGrant>,
    pub holders: Vec<GrantRow>,
}

/// A plugin's declaration, as `PUT /api/v1/plugins/{plugin}` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesInput {
    pub roles: Vec<RoleInput>,
}

/// One declared role.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    pub name: String,
    pub billable: bool,
}

/// What a grant did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// `false` when the user already held the role.
    pub new: bool,
    pub seats: PluginSeats,
}

/// A plugin or role name: 1 to 64 of `a-z 0-9 . _ -`.
pub(crate) fn name(field: &str, value: &str) -> Result<String> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(value.to_string())
    } else {
        Err(Error::invalid(format!(
            "{field}: 1 to 64 characters of a-z 0-9 . _ - (got {:?})",
            value.chars().take(80).collect::<String>()
        )))
    }
}

/// Whether `value` is a well-formed plugin (or role) name.
pub fn is_name(value: &str) -> bool {
    name("plugin", value).is_ok()
}

/// A user id of the product: 1 to 200 printable characters.
fn user(value: &str) -> Result<String> {
    printable("user", value)?;
    let value = value.trim();
    if value.is_empty() || value.len() > 200 {
        return Err(Error::invalid("user: 1 to 200 characters"));
    }
    Ok(value.to_string())
}

impl Backend {
    /// The seat grant of the license in force for `plugin`; none when nothing is licensed.
    async fn licensed_seats(&self, plugin: &str) -> Result<Option<SeatGrant>> {
        let view = self.install_view().await?;
        Ok(view.effective.seats.get(plugin).cloned())
    }

    /// Declares `plugin`'s roles, replacing its earlier declaration. Dropping a role that
    /// someone holds is refused (409) naming it.
    pub async fn register_plugin(
        &self,
        plugin: &str,
        input: RolesInput,
        actor: &str,
    ) -> Result<PluginSeats> {
        self.self_host()?;
        let plugin = name("plugin", plugin)?;
        if input.roles.is_empty() || input.roles.len() > MAX_ROLES {
            return Err(Error::invalid(format!("roles: 1 to {MAX_ROLES} roles")));
        }
        let mut roles: Vec<RoleDef> = Vec::with_capacity(input.roles.len());
        for role in input.roles {
            let role_name = name("roles.name", &role.name)?;
            if roles.iter().any(|r| r.name == role_name) {
                return Err(Error::invalid(format!(
                    "roles: {role_name:?} is declared twice"
                )));
            }
            roles.push(RoleDef {
                name: role_name,
                billable: role.billable,
            });
        }
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        let declared = PluginRoles { plugin, roles };
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::PluginRegistered,
            subject: declared.plugin.clone(),
            detail: serde_json::json!({ "roles": declared.roles }),
        };
        self.store
            .put_plugin_roles(&declared, now(), &audit)
            .await?;
        // This instance's own declarations show at once, as its grants do.
        self.self_host()?.forget_seats();
        self.plugin_seats(&declared.plugin).await
    }

    /// Every registered plugin with its seats, counted at most two seconds ago (this
    /// instance's own grants and revocations show at once).
    pub async fn all_plugin_seats(&self) -> Result<Arc<Vec<PluginSeats>>> {
        let host = self.self_host()?;
        if let Some(seats) = host.cached_seats() {
            return Ok(seats);
        }
        let view = self.install_view().await?;
        let plugins = self.store.plugins().await?;
        let grants = self.store.grants(None).await?;
        let seats: Vec<PluginSeats> = plugins
            .into_iter()
            .map(|roles| {
                let holders: Vec<GrantRow> = grants
                    .iter()
                    .filter(|g| g.plugin == roles.plugin)
                    .cloned()
                    .collect();
                let licensed = view.effective.seats.get(&roles.plugin).cloned();
                assemble(roles, licensed, holders)
            })
            .collect();
        let seats = Arc::new(seats);
        host.remember_seats(Arc::clone(&seats));
        Ok(seats)
    }

    /// One plugin with its seats; 404 when it never registered.
    pub async fn plugin_seats(&self, plugin: &str) -> Result<PluginSeats> {
        self.self_host()?;
        let plugin = name("plugin", plugin)?;
        let roles = self
            .store
            .plugins()
            .await?
            .into_iter()
            .find(|p| p.plugin == plugin)
            .ok_or_else(|| Error::NotFound(format!("plugin {plugin:?}")))?;
        let holders = self.store.grants(Some(&plugin)).await?;
        let licensed = self.licensed_seats(&plugin).await?;
        Ok(assemble(roles, licensed, holders))
    }

    /// Grants `role` of `plugin` to `user`. A billable role past the licensed count (per
    /// role, or the plugin's pool) is refused with [`Error::SeatLimit`]; the count is taken
    /// inside the transaction, so parallel grants cannot overshoot.
    pub async fn grant_seat(
        &self,
        plugin: &str,
        user_id: &str,
        role: &str,
        actor: &str,
    ) -> Result<Granted> {
        self.self_host()?;
        let plugin = name("plugin", plugin)?;
        let role = name("role", role)?;
        let user_id = user(user_id)?;
        let licensed = self.licensed_seats(&plugin).await?;
        let check = |roles: &PluginRoles, holdings: &[seats::Holding]| {
            if roles.roles.is_empty() {
                return Err(seats::SeatError::UnknownRole {
                    plugin: roles.plugin.clone(),
                    role: role.clone(),
                });
            }
            seats::grant_role(roles, licensed.as_ref(), holdings, &user_id, &role)
        };
        let grant = GrantRow {
            plugin: plugin.clone(),
            role: role.clone(),
            user_id: user_id.clone(),
            granted_at: now(),
            granted_by: actor.to_string(),
        };
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::SeatGranted,
            subject: format!("{plugin}/{role}"),
            detail: serde_json::json!({ "user": user_id }),
        };
        let host = self.self_host()?;
        let queued = host.grants.lock().await;
        let decided = self.store.grant_role(&grant, &check, &audit).await?;
        drop(queued);
        host.forget_seats();
        let new = match decided {
            Ok(new) => new,
            Err(seats::SeatError::UnknownRole { plugin, role }) => {
                return Err(Error::NotFound(format!(
                    "role {role:?} of plugin {plugin:?}"
                )))
            }
            Err(refused) => return Err(Error::SeatLimit(refused)),
        };
        Ok(Granted {
            new,
            seats: self.plugin_seats(&plugin).await?,
        })
    }

    /// Takes `role` of `plugin` from `user`; `false` when they did not hold it.
    pub async fn revoke_seat(
        &self,
        plugin: &str,
        user_id: &str,
        role: &str,
        actor: &str,
    ) -> Result<bool> {
        self.self_host()?;
        let plugin = name("plugin", plugin)?;
        let role = name("role", role)?;
        let user_id = user(user_id)?;
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::SeatRevoked,
            subject: format!("{plugin}/{role}"),
            detail: serde_json::json!({ "user": user_id }),
        };
        let revoked = self
            .store
            .revoke_role(&plugin, &role, &user_id, &audit)
            .await?;
        self.self_host()?.forget_seats();
        Ok(revoked)
    }
}

fn assemble(
    roles: PluginRoles,
    licensed: Option<SeatGrant>,
    holders: Vec<GrantRow>,
) -> PluginSeats {
    let holdings: Vec<seats::Holding> = holders
        .iter()
        .map(|g| seats::Holding {
            user: g.user_id.clone(),
            role: g.role.clone(),
        })
        .collect();
    PluginSeats {
        usage: seats::usage(&roles, licensed.as_ref(), &holdings),
        roles,
        licensed,
        holders,
    }
}
