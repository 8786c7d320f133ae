use leptos::prelude::*;

use super::AuditPage;
use crate::serverfns::params::Param;

/// Rows of the audit log, newest first, filtered; and the chain's verdict. Operators.
#[server(prefix = "/api", endpoint = "audit_trail", input = leptos::server_fn::codec::Json)]
pub async fn audit_trail(params: Vec<Param>) -> Result<AuditPage, ServerFnError> {
    use super::{AuditRow, ChainBreak};
    use crate::serverfns::guard::{authorise, map_error};
    use crate::serverfns::params::value_of;
    use tessera_backend::audit::ChainStatus;
    use tessera_backend::auth::Role;
    use tessera_backend::store::AuditFilter;

    const PAGE: i64 = 50;
    let (backend, _) = authorise(Role::Operator)?;
    let get = |name: &str| value_of(&params, name);
    let filter = AuditFilter {
        subject: get("subject"),
        actor: get("actor"),
        action_prefix: get("action"),
    };
    let before = get("before").and_then(|b| b.parse().ok());
    let rows = backend
        .audit_trail(&filter, before, PAGE)
        .await
        .map_err(map_error)?;
    let (chain_rows, broken) = match backend.audit_chain_status().await.map_err(map_error)? {
        ChainStatus::Intact { rows } => (rows, None),
        ChainStatus::Broken { seq, reason } => (seq - 1, Some(ChainBreak { seq, reason })),
    };
    let next_before = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    Ok(AuditPage {
        chain_rows,
        broken,
        next_before,
        rows: rows
            .into_iter()
            .map(|r| AuditRow {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                subject: r.subject,
                detail: r.detail,
            })
            .collect(),
    })
}
