use leptos::prelude::*;

use super::UserView;

/// Every user of the Studio, by e-mail. Sysadmin only.
#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_license::vocab::Role;

    let (backend, _) = authorise(Role::Sysadmin)?;
    let users = backend.list_users().await.map_err(map_error)?;
    Ok(users
        .into_iter()
        .map(|u| UserView {
            role: u.role,
            id: u.id,
            email: u.email,
            created_at: u.created_at,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
        })
        .collect())
}
