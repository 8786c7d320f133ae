use leptos::prelude::*;

use super::Me;

/// The signed-in user, or `None` for an anonymous caller.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, ServerFnError> {
    use super::RoleName;
    use tessera_backend::auth::Role;

    Ok(crate::serverfns::guard::current_user().map(|user| Me {
        email: user.email,
        role: match user.role {
            Role::Viewer => RoleName::Viewer,
            Role::Operator => RoleName::Operator,
            Role::Sysadmin => RoleName::Sysadmin,
        },
    }))
}
