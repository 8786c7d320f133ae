//! A self-hosted server from outside: the local entitlement and seat API over HTTP (scopes,
//! the 409 body, parallel grants), and which surfaces each mode serves.

use reqwest::Method;
use serde_json::{json, Value};
use tessera_backend::auth::Role;
use tessera_backend::both_engines;
use tessera_license::vocab::Scope;

use crate::helpers::{client, SelfHostApp, TestApp};

const BOOKING_ROLES: &str = r#"{"roles": [
    {"name": "booking.editor", "billable": true},
    {"name": "booking.manager", "billable": true},
    {"name": "booking.viewer", "billable": false}]}"#;

pub(crate) async fn licensed(host: &SelfHostApp) -> String {
    let token = host.vendor.sign(&host.vendor.claims());
    host.app
        .backend
        .install_license(&token, "test")
        .await
        .unwrap();
    let bearer = host
        .app
        .api_token(&[Scope::EntitlementsRead, Scope::SeatsWrite])
        .await;
    let roles: Value = serde_json::from_str(BOOKING_ROLES).unwrap();
    let (status, body) = host
        .app
        .api_call(
            Method::PUT,
            "/api/v1/plugins/booking",
            &bearer,
            Some(&roles),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    bearer
}

fn grant(user: &str, role: &str) -> Value {
    json!({ "user": user, "role": role })
}

/// A self-hosted install's own pages, forms and server functions, and its bearer-only API.
#[rustfmt::skip]
const SELF_HOST_ROUTES: &[(&str, &str, crate::authz::Body, crate::authz::Min)] = &[
    ("GET", "/license", None, Some(Role::Viewer)),
    ("GET", "/marketplace", None, Some(Role::Viewer)),
    ("GET", "/marketplace/booking", None, Some(Role::Viewer)),
    ("GET", "/license/request", None, Some(Role::Sysadmin)),
    ("POST", "/api/license_page", Some((crate::authz::FORM, "")), Some(Role::Viewer)),
    ("POST", "/api/marketplace", Some((crate::authz::FORM, "")), Some(Role::Viewer)),
    ("POST", "/api/marketplace_plugin", Some((crate::authz::FORM, "plugin=booking")), Some(Role::Viewer)),
    ("POST", "/license", Some((crate::authz::FORM, "action=install&token=nope")), Some(Role::Sysadmin)),
    ("POST", "/license", Some((crate::authz::FORM, "action=heartbeat")), Some(Role::Sysadmin)),
    ("POST", "/license", Some((crate::authz::FORM, "action=answer&answer=nope")), Some(Role::Sysadmin)),
    ("POST", "/marketplace/booking", Some((crate::authz::FORM, "action=grant&user=u1&role=booking.viewer")), Some(Role::Operator)),
    ("POST", "/marketplace/booking", Some((crate::authz::FORM, "action=revoke&user=u1&role=booking.viewer")), Some(Role::Operator)),
];

const SELF_HOST_BEARER_ONLY: &[(&str, &str, crate::authz::Body)] = &[
    ("GET", "/api/v1/entitlements", None),
    ("GET", "/api/v1/plugins/booking", None),
    (
        "PUT",
        "/api/v1/plugins/booking",
        Some((crate::authz::JSON, r#"{"roles":[]}"#)),
    ),
    (
        "POST",
        "/api/v1/plugins/booking/grants",
        Some((crate::authz::JSON, "{}")),
    ),
    (
        "DELETE",
        "/api/v1/plugins/booking/grants",
        Some((crate::authz::JSON, "{}")),
    ),
    (
        "PUT",
        "/api/v1/usage/rooms",
        Some((crate::authz::JSON, r#"{"used":1}"#)),
    ),
];

both_engines! {
    async fn every_self_hosted_route_answers_as_the_role_allows(host: &SelfHostApp) {
        let wrong = crate::authz::check_table(&host.app, SELF_HOST_ROUTES, SELF_HOST_BEARER_ONLY, &[]).await;
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    async fn every_self_hosted_change_from_another_origin_is_refused_and_changes_nothing(host: &SelfHostApp) {
        let app = &host.app;
        let bearer = licensed(host).await;
        let (_, before) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        let cookie = app.cookie_for(Role::Sysadmin).await;
        let good = host.vendor.sign(&host.vendor.claims());
        let forms = [
            ("/license", format!("action=install&token={good}")),
            ("/license", "action=heartbeat".to_string()),
            ("/marketplace/booking", "action=grant&user=intruder&role=booking.editor".to_string()),
        ];
        for (path, body) in forms {
            for origin in ["https://evil.example", "null", "http://127.0.0.1:3000.evil.example"] {
                let form = Some((crate::authz::FORM, body.as_str()));
                let (status, _) = crate::authz::call_from(app, "POST", path, form, Some(&cookie), origin).await;
                assert_eq!(status, 403, "POST {path} from {origin}");
            }
        }
        let (_, e) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!(e["seats"]["booking"]["used"], 0, "nothing was granted");
        assert_eq!(e["license_id"], before["license_id"], "no token was installed");
    }

    async fn the_operator_pastes_tokens_on_the_license_page_and_a_bad_one_says_why(host: &SelfHostApp) {
        let app = &host.app;
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let page = |cookie: String| async move {
            let response = client().get(app.url("/license")).header("cookie", cookie).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        };
        let empty = page(cookie.clone()).await;
        assert!(empty.contains(">unlicensed<"), "the page shows the unlicensed state");
        assert!(empty.contains("fp-test-deployment"), "the page shows the fingerprint");

        let claims = host.vendor.claims();
        let good = host.vendor.sign(&claims);
        let installed = app.post_form("/license", &cookie, &[("action", "install"), ("token", &good)]).await;
        assert_eq!(installed.status(), 303);
        assert!(installed.headers()["location"].to_str().unwrap().starts_with("/license?done=installed"));
        let shown = page(cookie.clone()).await;
        assert!(shown.contains(">active<"));
        assert!(shown.contains(&claims.sub.to_string()));
        assert!(!shown.contains(&good), "the page never shows the token");

        let mut other = host.vendor.claims();
        other.aud = tessera_license::ProductKey::parse("another").unwrap();
        let refused = app.post_form("/license", &cookie, &[("action", "install"), ("token", &host.vendor.sign(&other))]).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("is for product &quot;another&quot;") || html.contains("is for product \"another\""), "the refusal names the product");
        let still = page(cookie).await;
        assert!(still.contains(&claims.sub.to_string()), "the good token stayed");
    }

    async fn the_marketplace_grants_to_the_limit_refuses_the_next_and_shows_over_after_a_downgrade(host: &SelfHostApp) {
        let app = &host.app;
        licensed(host).await;
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let get = |path: &'static str| {
            let cookie = cookie.clone();
            async move {
                let response = client().get(app.url(path)).header("cookie", cookie).send().await.unwrap();
                assert_eq!(response.status(), 200, "{path}");
                response.text().await.unwrap()
            }
        };
        assert!(get("/marketplace").await.contains("0 / 3 seats"));
        for user in ["ann", "bob", "cyd"] {
            let granted = app.post_form("/marketplace/booking", &cookie, &[("action", "grant"), ("user", user), ("role", "booking.manager")]).await;
            assert_eq!(granted.status(), 303, "{user}");
        }
        let refused = app.post_form("/marketplace/booking", &cookie, &[("action", "grant"), ("user", "dan"), ("role", "booking.manager")]).await;
        assert_eq!(refused.status(), 409);
        let html = refused.text().await.unwrap();
        assert!(html.contains("pooled seats of plugin"), "the refusal says the seats are taken");
        let page = get("/marketplace/booking").await;
        assert!(page.contains("3 / 3 seats") && page.contains("cyd") && !page.contains(">dan<"));
        // A free role is granted past the limit.
        let free = app.post_form("/marketplace/booking", &cookie, &[("action", "grant"), ("user", "dan"), ("role", "booking.viewer")]).await;
        assert_eq!(free.status(), 303);
        // A downgrade to one seat: over, shown, nobody removed.
        let mut smaller = host.vendor.claims();
        smaller.lic.seats.get_mut("booking").unwrap().pool = Some(1);
        app.backend.install_license(&host.vendor.sign(&smaller), "test").await.unwrap();
        let over = get("/marketplace/booking").await;
        assert!(over.contains("3 / 1 seats") && over.contains("data-testid=\"over\""), "the over state is shown");
        let revoked = app.post_form("/marketplace/booking", &cookie, &[("action", "revoke"), ("user", "ann"), ("role", "booking.manager")]).await;
        assert_eq!(revoked.status(), 303);
        assert!(get("/marketplace").await.contains("2 / 1 seats"));
    }

    async fn the_product_reads_entitlements_and_grants_seats_until_the_turnstile_says_409(host: &SelfHostApp) {
        let app = &host.app;
        let bearer = licensed(host).await;
        let (status, e) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!(status, 200, "{e}");
        assert_eq!(e["state"], "active");
        assert_eq!(e["licensed"], true);
        assert_eq!(e["tier"], "pro");
        assert_eq!(e["features"], json!(["sso"]));
        assert_eq!(e["caps"]["rooms"], 10);
        assert_eq!(e["seats"]["booking"]["used"], 0);
        assert_eq!(e["seats"]["booking"]["licensed"], 3);
        assert_eq!(e["banner"], Value::Null);

        let grants = "/api/v1/plugins/booking/grants";
        for user in ["u1", "u2"] {
            let (status, body) = app.api_call(Method::POST, grants, &bearer, Some(&grant(user, "booking.editor"))).await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, again) = app.api_call(Method::POST, grants, &bearer, Some(&grant("u1", "booking.editor"))).await;
        assert_eq!(status, 200, "a held role is granted again without a seat: {again}");
        let (status, refused) = app.api_call(Method::POST, grants, &bearer, Some(&grant("u3", "booking.editor"))).await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"], "seat_limit_reached");
        assert_eq!((refused["role"].as_str(), refused["limit"].as_u64(), refused["used"].as_u64()), (Some("booking.editor"), Some(2), Some(2)));
        // Free roles never count.
        for n in 0..5 {
            let (status, _) = app.api_call(Method::POST, grants, &bearer, Some(&grant(&format!("v{n}"), "booking.viewer"))).await;
            assert_eq!(status, 201);
        }
        let (_, e) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!(e["seats"]["booking"]["used"], 2);
        assert_eq!(e["seats"]["booking"]["roles"]["booking.viewer"]["used"], 5);
        // Revoking frees a seat; revoking again is a 404.
        let (status, _) = app.api_call(Method::DELETE, grants, &bearer, Some(&grant("u2", "booking.editor"))).await;
        assert_eq!(status, 200);
        let (status, _) = app.api_call(Method::DELETE, grants, &bearer, Some(&grant("u2", "booking.editor"))).await;
        assert_eq!(status, 404);
        let (status, _) = app.api_call(Method::POST, grants, &bearer, Some(&grant("u3", "booking.editor"))).await;
        assert_eq!(status, 201);
        // Bad input is a clear 422, unknown roles and plugins 404.
        let (status, _) = app.api_call(Method::POST, grants, &bearer, Some(&grant("nul\u{0}user", "booking.editor"))).await;
        assert_eq!(status, 422);
        let (status, _) = app.api_call(Method::POST, grants, &bearer, Some(&json!({"user": "u", "role": "booking.editor", "extra": 1}))).await;
        assert_eq!(status, 422);
        let (status, _) = app.api_call(Method::POST, grants, &bearer, Some(&grant("u9", "booking.owner"))).await;
        assert_eq!(status, 404);
        let (status, _) = app.api_call(Method::GET, "/api/v1/plugins/nothing", &bearer, None).await;
        assert_eq!(status, 404);
    }

    async fn parallel_http_grants_stop_exactly_at_the_pool(host: &SelfHostApp) {
        let bearer = licensed(host).await;
        let url = host.app.url("/api/v1/plugins/booking/grants");
        let requests = (0..10).map(|n| {
            let (url, bearer) = (url.clone(), bearer.clone());
            tokio::spawn(async move {
                client().post(url).bearer_auth(bearer).json(&grant(&format!("p{n}"), "booking.manager")).send().await.unwrap().status().as_u16()
            })
        });
        let mut statuses = Vec::new();
        for request in requests.collect::<Vec<_>>() {
            statuses.push(request.await.unwrap());
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 201, 201, 409, 409, 409, 409, 409, 409, 409]);
    }

    async fn scopes_guard_the_local_api(host: &SelfHostApp) {
        let app = &host.app;
        licensed(host).await;
        let read_only = app.api_token(&[Scope::EntitlementsRead]).await;
        let licenses_only = app.api_token(&[Scope::LicensesRead]).await;
        let (status, _) = app.api_call(Method::GET, "/api/v1/entitlements", &licenses_only, None).await;
        assert_eq!(status, 403);
        let (status, _) = app.api_call(Method::GET, "/api/v1/entitlements", "not-a-token", None).await;
        assert_eq!(status, 401);
        let (status, _) = app.api_call(Method::POST, "/api/v1/plugins/booking/grants", &read_only, Some(&grant("u", "booking.editor"))).await;
        assert_eq!(status, 403);
        let roles: Value = serde_json::from_str(BOOKING_ROLES).unwrap();
        let (status, _) = app.api_call(Method::PUT, "/api/v1/plugins/booking", &read_only, Some(&roles)).await;
        assert_eq!(status, 403);
    }

    async fn a_self_hosted_install_has_no_vendor_surfaces(host: &SelfHostApp) {
        let app = &host.app;
        let bearer = app.api_token(&[Scope::LicensesRead, Scope::LicensesWrite]).await;
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        for path in ["/licenses", "/licenses/new", "/keys", "/.well-known/jwks.json"] {
            let response = client().get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let (status, body) = app.api_post("/api/v1/licenses", Some(&bearer), &json!({})).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
        let (status, _) = app.api_post("/api/v1/heartbeat", None, &json!({})).await;
        assert_eq!(status, 404);
        let home = client().get(app.url("/")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!((home.status().as_u16(), home.headers()["location"].to_str().unwrap()), (303, "/license"));
    }

    async fn each_mode_documents_exactly_the_api_it_serves(host: &SelfHostApp) {
        let spec: Value = client().get(host.app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        let paths: Vec<&String> = spec["paths"].as_object().unwrap().keys().collect();
        assert!(paths.iter().any(|p| *p == "/api/v1/entitlements"), "{paths:?}");
        assert!(!paths.iter().any(|p| p.starts_with("/api/v1/licenses") || p.contains("heartbeat")), "{paths:?}");
        for path in paths {
            let url = host.app.url(&path.replace("{plugin}", "booking"));
            let status = client().get(url).send().await.unwrap().status().as_u16();
            assert!(status != 404 || path.contains("{plugin}"), "GET {path} answered {status}");
        }
    }

    async fn a_vendor_install_has_no_self_host_surfaces(app: &TestApp) {
        let spec: Value = client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert!(spec["paths"].get("/api/v1/entitlements").is_none(), "the vendor does not document the local API");
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        for path in ["/license", "/marketplace", "/marketplace/booking"] {
            let response = client().get(app.url(path)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status(), 404, "{path}");
        }
        let bearer = app.api_token(&[Scope::EntitlementsRead, Scope::SeatsWrite]).await;
        let (status, body) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
        let (status, _) = app.api_call(Method::PUT, "/api/v1/plugins/x", &bearer, Some(&json!({"roles": []}))).await;
        assert_eq!(status, 404);
        let (status, _) = app.api_call(Method::PUT, "/api/v1/usage/rooms", &bearer, Some(&json!({"used": 1}))).await;
        assert_eq!(status, 404);
        // Its own pages still answer.
        let licenses = client().get(app.url("/licenses")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(licenses.status(), 200);
    }
}
