//! The authorisation table: every page, form, server function and API route, called as
//! anonymous, viewer, operator and sysadmin, answers as the role allows.

use tessera_backend::auth::Role;

use tessera_license::vocab::LicenseStatus;

use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

pub(crate) use crate::authz_table::{Body, Min, BEARER_ONLY, CUSTOMER_ONLY, FORM, JSON, ROUTES};

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
    customer_only: &[(&str, &str, Body)],
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
    for (method, path, body) in customer_only {
        for (role, cookie) in &cookies {
            let (status, location) = call(app, method, path, *body, cookie.as_deref()).await;
            let refused =
                matches!(status, 401 | 403) || ["/login", "/signin"].contains(&location.as_str());
            if !refused {
                wrong.push(format!(
                    "{method} {path} (customers only) as {role:?}: {status} {location}"
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
        let wrong = check_table(app, ROUTES, BEARER_ONLY, CUSTOMER_ONLY).await;
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
            ROUTES.iter().any(|(_, p, _, _)| *p == path)
                || CUSTOMER_ONLY.iter().any(|(_, p, _)| *p == path),
            "server function {path} is missing from the table"
        );
    }
}
