//! The authorisation table: every page, form, server function and API route, called as
//! anonymous, viewer, operator and sysadmin, answers as the role allows.

use tessera_backend::auth::Role;

use tessera_license::vocab::LicenseStatus;

use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

/// Who may call: `None` is anyone.
pub(crate) type Min = Option<Role>;

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON: &str = "application/json";

/// (method, path, body, least role). Bodies are harmless: missing ids or empty input.
/// A request body: content type and text.
pub(crate) type Body = Option<(&'static str, &'static str)>;

pub(crate) const ROUTES: &[(&str, &str, Body, Min)] = &[
    ("GET", "/healthz", None, None),
    ("GET", "/.well-known/jwks.json", None, None),
    ("GET", "/login", None, None),
    ("GET", "/api/openapi.json", None, None),
    ("GET", "/api/docs", None, None),
    ("GET", "/api/v1/products", None, None),
    ("GET", "/api/v1/products/missing", None, None),
    ("GET", "/", None, Some(Role::Viewer)),
    ("GET", "/licenses", None, Some(Role::Viewer)),
    ("GET", "/licenses/new", None, Some(Role::Operator)),
    ("GET", "/licenses/lic_missing", None, Some(Role::Viewer)),
    ("GET", "/audit", None, Some(Role::Operator)),
    ("GET", "/keys", None, Some(Role::Sysadmin)),
    ("GET", "/account", None, Some(Role::Viewer)),
    ("GET", "/users", None, Some(Role::Sysadmin)),
    ("GET", "/webhooks", None, Some(Role::Sysadmin)),
    ("GET", "/products", None, Some(Role::Sysadmin)),
    (
        "POST",
        "/account/password",
        Some((FORM, "current=wrong%20password%20here&new=x&confirm=y")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/users/new",
        Some((FORM, "email=&role=viewer")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/role",
        Some((FORM, "role=viewer")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/disable",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/enable",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/reset-password",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/licenses/new",
        Some((FORM, "email=")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/revoke",
        Some((FORM, "reason=x")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/resend",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/transfer",
        Some((FORM, "email=")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/multi-install",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing",
        Some((FORM, "action=answer&request=nope")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/webhooks",
        Some((FORM, "action=redeliver&delivery=whd_missing")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/products",
        Some((FORM, "action=plan_active&lookup_key=missing&active=true")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/generate",
        Some((FORM, "kid=bad%20kid")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/import",
        Some((FORM, "pem=nope")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/missing/activate",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/missing/retire",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    ("POST", "/api/whoami", Some((FORM, "")), None),
    ("POST", "/api/form_token", Some((FORM, "")), None),
    ("POST", "/api/last_form_outcome", Some((FORM, "")), None),
    (
        "POST",
        "/api/issue_form_outcome",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/overview",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/dashboard",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/list_licenses",
        Some((JSON, r#"{"params":[]}"#)),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/license_detail",
        Some((FORM, "id=lic_missing")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/audit_trail",
        Some((JSON, r#"{"params":[]}"#)),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/list_keys",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_users",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_webhooks",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_products",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/catalog_choices",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    // A self-hosted install's page (404 here for those allowed; see `self_host.rs`).
    (
        "POST",
        "/api/license_page",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/marketplace",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/marketplace_plugin",
        Some((FORM, "plugin=booking")),
        Some(Role::Viewer),
    ),
    // Last: it ends the caller's sessions.
    (
        "POST",
        "/account/sign-out-everywhere",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
];

/// The internal API takes bearer tokens only: a session cookie of any role is not enough.
pub(crate) const BEARER_ONLY: &[(&str, &str, Body)] = &[
    ("GET", "/api/v1/licenses?email=a@example.com", None),
    ("POST", "/api/v1/licenses", Some((JSON, "{}"))),
    ("GET", "/api/v1/licenses/lic_missing", None),
    (
        "POST",
        "/api/v1/licenses/lic_missing/revoke",
        Some((JSON, r#"{"reason":"x"}"#)),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/transfer",
        Some((JSON, "{}")),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/resend",
        Some((JSON, "{}")),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/renew",
        Some((JSON, r#"{"expires_at":"2030-01-01"}"#)),
    ),
    ("GET", "/api/v1/webhooks", None),
    (
        "POST",
        "/api/v1/webhooks",
        Some((JSON, r#"{"url":"https://crm.example.com/hook"}"#)),
    ),
    (
        "POST",
        "/api/v1/webhook-deliveries/whd_missing/redeliver",
        Some((JSON, "{}")),
    ),
];

fn allowed(min: Min, role: Option<Role>) -> bool {
    match (min, role) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(min), Some(role)) => role.allows(min),
    }
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
    cookie: Option<&str>,
) -> (u16, String) {
    call_from(app, method, path, body, cookie, crate::helpers::ORIGIN).await
}

/// Calls as a page from `origin` would: a form post carries the session's form token.
pub(crate) async fn call_from(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
    cookie: Option<&str>,
    origin: &str,
) -> (u16, String) {
    let mut request = client()
        .request(method.parse().unwrap(), app.url(path))
        .header("origin", origin);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some((content_type, body)) = body {
        let mut body = body.to_string();
        if let (FORM, Some(cookie), false) = (content_type, cookie, path.starts_with("/api/")) {
            body = format!("{body}&csrf={}", app.csrf(cookie));
        }
        request = request.header("content-type", content_type).body(body);
    }
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

/// Calls every route of `routes` as anonymous and as each role, and every `bearer_only`
/// route with each session cookie: what answered otherwise than the role allows.
pub(crate) async fn check_table(
    app: &TestApp,
    routes: &[(&str, &str, Body, Min)],
    bearer_only: &[(&str, &str, Body)],
) -> Vec<String> {
    let mut cookies = vec![(None, None)];
    for &role in Role::ALL {
        cookies.push((Some(role), Some(app.cookie_for(role).await)));
    }
    let mut wrong = Vec::new();
    for (method, path, body, min) in routes {
        for (role, cookie) in &cookies {
            let (status, location) = call(app, method, path, *body, cookie.as_deref()).await;
            let refused = matches!(status, 401 | 403) || location == "/login";
            if allowed(*min, *role) == refused {
                wrong.push(format!("{method} {path} as {role:?}: {status} {location}"));
            }
            if !allowed(*min, *role) && role.is_some() && status != 403 {
                wrong.push(format!(
                    "{method} {path} as {role:?}: expected 403, got {status}"
                ));
            }
        }
    }
    for (method, path, body) in bearer_only {
        for (role, cookie) in &cookies {
            let (status, _) = call(app, method, path, *body, cookie.as_deref()).await;
            if status != 401 {
                wrong.push(format!(
                    "{method} {path} as {role:?} without a bearer token: {status}"
                ));
            }
        }
    }
    wrong
}

both_engines! {
    async fn every_route_answers_as_the_role_allows(app: &TestApp) {
        let wrong = check_table(app, ROUTES, BEARER_ONLY).await;
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    async fn every_change_from_another_origin_is_refused_and_changes_nothing(app: &TestApp) {
        let id = app.backend.issue_license(&crate::helpers::sample_license(), "test").await.unwrap().license.id;
        let mut cookies = Vec::new();
        for &role in Role::ALL {
            cookies.push((role, app.cookie_for(role).await));
        }
        let audit_rows = || async {
            app.backend.audit_trail(&Default::default(), None, 500).await.unwrap().len()
        };
        let before = audit_rows().await;
        let mut wrong = Vec::new();
        // A real license id, so an accepted request would have changed something.
        let real = |path: &str| path.replace("lic_missing", &id);
        for (method, path, body, _) in ROUTES.iter().filter(|(m, ..)| *m == "POST") {
            for (role, cookie) in &cookies {
                for origin in ["https://evil.example", "null", "http://127.0.0.1:3000.evil.example"] {
                    let (status, _) = call_from(app, method, &real(path), *body, Some(cookie), origin).await;
                    if status != 403 {
                        wrong.push(format!("{method} {path} as {role:?} from {origin}: {status}"));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(audit_rows().await, before, "a refused request changed nothing");
        assert_eq!(app.backend.get_license(&id).await.unwrap().status, LicenseStatus::Active);
    }
}

#[test]
fn the_table_covers_every_server_function() {
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    assert!(!registered.is_empty());
    for path in registered {
        assert!(
            ROUTES.iter().any(|(_, p, _, _)| *p == path),
            "server function {path} is missing from the table"
        );
    }
}
