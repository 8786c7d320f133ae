//! The local API of a self-hosted install, for the product beside it: entitlements
//! (`entitlements:read`), plugin roles and grants, and the use of caps (`seats:write`).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tessera_backend::selfhost::seats::{PluginSeats, RolesInput};
use tessera_backend::selfhost::InstallView;
use tessera_backend::usage::CapUse;
use tessera_license::vocab::{Scope, StateName, Tier};

use super::bearer::Bearer;
use crate::web::{ApiError, AppState, JsonBody};

const READ: Scope = Scope::EntitlementsRead;
const WRITE: Scope = Scope::SeatsWrite;

/// Seats of one plugin: `used` of `licensed`, per role where the license counts per role.
#[derive(Debug, Serialize)]
pub struct SeatsJson {
    pub used: u32,
    /// `null` when the plugin has no billable role.
    pub licensed: Option<u32>,
    pub over: bool,
    pub roles: BTreeMap<String, RoleSeatsJson>,
}

/// One role's holders.
#[derive(Debug, Serialize)]
pub struct RoleSeatsJson {
    pub billable: bool,
    pub used: u32,
    /// `null` for free roles and billable roles bounded only by the pool.
    pub licensed: Option<u32>,
}

impl From<&PluginSeats> for SeatsJson {
    fn from(seats: &PluginSeats) -> Self {
        Self {
            used: seats.usage.used,
            licensed: seats.usage.limit,
            over: seats.usage.over,
            roles: seats
                .usage
                .per_role
                .iter()
                .map(|r| {
                    let json = RoleSeatsJson {
                        billable: r.billable,
                        used: r.used,
                        licensed: r.limit,
                    };
                    (r.role.clone(), json)
                })
                .collect(),
        }
    }
}

/// A problem with the installed token.
#[derive(Debug, Serialize)]
pub struct ProblemJson {
    pub code: String,
    pub message: String,
}

/// `GET /api/v1/entitlements`: what the product may use right now.
#[derive(Debug, Serialize)]
pub struct EntitlementsJson {
    pub state: StateName,
    /// Active or in grace: the licensed parts work.
    pub licensed: bool,
    pub license_id: Option<String>,
    pub tier: Option<Tier>,
    pub expires_at: Option<i64>,
    pub grace_ends_at: Option<i64>,
    pub support_active: bool,
    pub features: Vec<String>,
    pub caps: BTreeMap<String, i64>,
    pub plugins: Vec<String>,
    pub themes: Vec<String>,
    pub niches: Vec<String>,
    pub seats: BTreeMap<String, SeatsJson>,
    /// How much of each cap the product last reported using (`PUT /api/v1/usage/{cap}`).
    pub caps_used: BTreeMap<String, i64>,
    /// The sentence to show on every page while it is set (grace, dormant, revoked...).
    pub banner: Option<String>,
    pub problem: Option<ProblemJson>,
}

impl EntitlementsJson {
    fn new(view: &InstallView, plugins: &[PluginSeats], caps_used: &[CapUse]) -> Self {
        let e = &view.effective;
        let claims = view.claims.as_ref();
        Self {
            state: view.state,
            licensed: matches!(view.state, StateName::Active | StateName::Grace),
            license_id: claims.map(|c| c.sub.to_string()),
            tier: e.tier,
            expires_at: claims.and_then(|c| c.exp),
            grace_ends_at: view.grace_until,
            support_active: view.support_active,
            features: e.features.iter().cloned().collect(),
            caps: e.caps.clone(),
            plugins: e.plugins.iter().cloned().collect(),
            themes: e.themes.iter().cloned().collect(),
            niches: e.niches.iter().cloned().collect(),
            seats: plugins
                .iter()
                .map(|p| (p.roles.plugin.clone(), SeatsJson::from(p)))
                .collect(),
            caps_used: caps_used.iter().map(|c| (c.cap.clone(), c.used)).collect(),
            banner: view.banner.clone(),
            problem: view.problem.as_ref().map(|(code, message)| ProblemJson {
                code: code.clone(),
                message: message.clone(),
            }),
        }
    }
}

/// `GET /api/v1/entitlements`.
pub async fn entitlements(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
) -> Result<Json<EntitlementsJson>, ApiError> {
    caller.require(READ)?;
    let view = state.backend.install_view().await?;
    let plugins = state.backend.all_plugin_seats().await?;
    let caps_used = state.backend.cap_usage().await?;
    Ok(Json(EntitlementsJson::new(&view, &plugins, &caps_used)))
}

/// A plugin: its roles, seats and holders.
#[derive(Debug, Serialize)]
pub struct PluginJson {
    pub plugin: String,
    pub roles: Vec<RoleJson>,
    pub seats: SeatsJson,
    pub grants: Vec<GrantJson>,
}

/// A declared role.
#[derive(Debug, Serialize)]
pub struct RoleJson {
    pub name: String,
    pub billable: bool,
}

/// A role held by a user.
#[derive(Debug, Serialize)]
pub struct GrantJson {
    pub user: String,
    pub role: String,
    pub granted_at: i64,
}

impl From<&PluginSeats> for PluginJson {
    fn from(seats: &PluginSeats) -> Self {
        Self {
            plugin: seats.roles.plugin.clone(),
            roles: seats
                .roles
                .roles
                .iter()
                .map(|r| RoleJson {
                    name: r.name.clone(),
                    billable: r.billable,
                })
                .collect(),
            seats: seats.into(),
            grants: seats
                .holders
                .iter()
                .map(|g| GrantJson {
                    user: g.user_id.clone(),
                    role: g.role.clone(),
                    granted_at: g.granted_at,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/plugins/{plugin}`.
pub async fn plugin(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(plugin): Path<String>,
) -> Result<Json<PluginJson>, ApiError> {
    caller.require(READ)?;
    Ok(Json((&state.backend.plugin_seats(&plugin).await?).into()))
}

/// `PUT /api/v1/plugins/{plugin}`: declares the plugin's roles.
pub async fn register(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(plugin): Path<String>,
    JsonBody(body): JsonBody<RolesInput>,
) -> Result<Json<PluginJson>, ApiError> {
    caller.require(WRITE)?;
    let seats = state
        .backend
        .register_plugin(&plugin, body, &caller.actor())
        .await?;
    Ok(Json((&seats).into()))
}

/// A grant or a revocation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub user: String,
    pub role: String,
}

/// `POST /api/v1/plugins/{plugin}/grants`: 201 when granted now, 200 when already held,
/// 409 `seat_limit_reached` past the licensed seats.
pub async fn grant(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(plugin): Path<String>,
    JsonBody(body): JsonBody<GrantInput>,
) -> Result<(StatusCode, Json<PluginJson>), ApiError> {
    caller.require(WRITE)?;
    let granted = state
        .backend
        .grant_seat(&plugin, &body.user, &body.role, &caller.actor())
        .await?;
    let status = if granted.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json((&granted.seats).into())))
}

/// `DELETE /api/v1/plugins/{plugin}/grants`: 200 with the plugin after, 404 when the user
/// did not hold the role.
pub async fn revoke(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(plugin): Path<String>,
    JsonBody(body): JsonBody<GrantInput>,
) -> Result<Json<PluginJson>, ApiError> {
    caller.require(WRITE)?;
    let backend = &state.backend;
    if !backend
        .revoke_seat(&plugin, &body.user, &body.role, &caller.actor())
        .await?
    {
        return Err(tessera_backend::Error::NotFound(format!(
            "{:?} holding {:?}",
            body.user, body.role
        ))
        .into());
    }
    Ok(Json((&backend.plugin_seats(&plugin).await?).into()))
}

/// A cap's use, as `PUT /api/v1/usage/{cap}` takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageInput {
    pub used: i64,
}

/// `PUT /api/v1/usage/{cap}`: the product says how much of a cap it uses; the install sends
/// it to the vendor with its next heartbeat. Answers the cap with what the license allows.
pub async fn report_usage(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(cap): Path<String>,
    JsonBody(body): JsonBody<UsageInput>,
) -> Result<Json<tessera_backend::usage::CapUse>, ApiError> {
    caller.require(WRITE)?;
    Ok(Json(state.backend.report_cap_usage(&cap, body.used).await?))
}
