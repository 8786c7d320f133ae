//! Groups (customer orgs) for automation: start a free trial for one
//! (`POST /api/v1/trials/{group}`, `licenses:write`) and list its licenses
//! (`GET /api/v1/groups/{group}/licenses`, `licenses:read`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use tessera_backend::customers::trials::TrialInput;
use tessera_license::vocab::Scope;

use super::bearer::Bearer;
use crate::views::{IssuedJson, LicenseJson};
use crate::web::{ApiError, AppState, JsonBody};

/// `POST /api/v1/trials/{group}`: 201 with the trial license and its token (also e-mailed to
/// the group's owner); 409 `no_trial`, `trial_active`, `trial_cooldown` or
/// `already_licensed` naming why not.
pub async fn start_trial(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(group): Path<String>,
    JsonBody(body): JsonBody<TrialInput>,
) -> Result<(StatusCode, Json<IssuedJson>), ApiError> {
    caller.require(Scope::LicensesWrite)?;
    let issued = state
        .backend
        .start_group_trial(&group, &body, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// A group and its licenses.
#[derive(Debug, Serialize)]
pub struct GroupLicensesJson {
    pub group: String,
    pub name: String,
    /// Newest first; no tokens.
    pub licenses: Vec<LicenseJson>,
}

/// `GET /api/v1/groups/{group}/licenses`.
pub async fn licenses(
    State(state): State<AppState>,
    Bearer(caller): Bearer,
    Path(group): Path<String>,
) -> Result<Json<GroupLicensesJson>, ApiError> {
    caller.require(Scope::LicensesRead)?;
    let (org, licenses) = state.backend.group_licenses(&group).await?;
    Ok(Json(GroupLicensesJson {
        group: org.slug,
        name: org.name,
        licenses: licenses.into_iter().map(LicenseJson::from).collect(),
    }))
}
