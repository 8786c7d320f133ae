//! Cross-site request forgery: a change carrying the session cookie must come from the
//! Studio's own pages (same Origin, or same Referer without one) and carry the form token.

use tessera_backend::auth::Role;

use tessera_license::vocab::LicenseStatus;

use crate::helpers::{bare_client, client, sample_license, TestApp, ORIGIN};
use tessera_backend::both_engines;

async fn revoke(
    app: &TestApp,
    id: &str,
    cookie: &str,
    origin: Option<&str>,
    referer: Option<&str>,
    token: Option<&str>,
) -> u16 {
    let mut request = bare_client()
        .post(app.url(&format!("/licenses/{id}/revoke")))
        .header("cookie", cookie);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(referer) = referer {
        request = request.header("referer", referer);
    }
    let mut fields = vec![("reason", "forged")];
    if let Some(token) = token {
        fields.push(("csrf", token));
    }
    request
        .form(&fields)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both_engines! {
    async fn a_forged_revoke_is_refused_and_the_license_stays_active(app: &TestApp) {
        let id = app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        let operator = app.cookie_for(Role::Operator).await;
        let token = app.csrf(&operator);
        let other = app.csrf(&app.cookie_for(Role::Sysadmin).await);
        // Another site, a sibling subdomain, no Origin and no Referer, a Referer from elsewhere.
        assert_eq!(revoke(app, &id, &operator, Some("https://evil.example"), None, Some(&token)).await, 403);
        assert_eq!(revoke(app, &id, &operator, Some("http://app.127.0.0.1:3000"), None, Some(&token)).await, 403);
        assert_eq!(revoke(app, &id, &operator, None, None, Some(&token)).await, 403);
        assert_eq!(revoke(app, &id, &operator, None, Some("https://evil.example/page"), Some(&token)).await, 403);
        // Same origin but no token, or another session's token.
        assert_eq!(revoke(app, &id, &operator, Some(ORIGIN), None, None).await, 403);
        assert_eq!(revoke(app, &id, &operator, Some(ORIGIN), None, Some(&other)).await, 403);
        assert_eq!(revoke(app, &id, &operator, Some(ORIGIN), None, Some("x")).await, 403);
        assert_eq!(app.backend.get_license(&id).await.unwrap().status, LicenseStatus::Active);
        // The Studio's own page: Origin (or only a same-origin Referer) and the right token.
        let referer = format!("{ORIGIN}/licenses/{id}");
        assert_eq!(revoke(app, &id, &operator, None, Some(&referer), Some(&token)).await, 303);
        assert_eq!(app.backend.get_license(&id).await.unwrap().status, LicenseStatus::Revoked);
    }

    async fn every_form_on_a_page_carries_the_sessions_token(app: &TestApp) {
        let id = app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let token = app.csrf(&admin);
        for path in [format!("/licenses/{id}"), "/licenses/new".into(), "/keys".into(), "/".into()] {
            let html = client().get(app.url(&path)).header("cookie", &admin).send().await.unwrap().text().await.unwrap();
            let forms = html.matches(r#"method="post""#).count();
            let tokens = html.matches(&format!(r#"value="{token}""#)).count();
            assert!(forms > 0 && tokens >= forms, "{path}: {forms} post forms, {tokens} tokens");
        }
    }

    async fn a_forged_sign_in_is_refused(app: &TestApp) {
        let fields = [("email", app.admin_email.as_str()), ("password", app.admin_password.as_str())];
        // No form cookie and token (a page elsewhere posting the attacker's credentials).
        let forged = client().post(app.url("/auth/login")).form(&fields).send().await.unwrap();
        assert_eq!(forged.status(), 403);
        assert!(forged.headers().get("set-cookie").is_none());
        // The right cookie and token, but from another site.
        let (cookie, token) = app.login_form().await;
        let mut with_token = fields.to_vec();
        with_token.push(("csrf", &token));
        let cross = bare_client().post(app.url("/auth/login")).header("origin", "https://evil.example")
            .header("cookie", &cookie).form(&with_token).send().await.unwrap();
        assert_eq!(cross.status(), 403);
        assert!(cross.headers().get("set-cookie").is_none());
        // A token from another browser's form cookie.
        let (_, other_token) = app.login_form().await;
        let mut mixed = fields.to_vec();
        mixed.push(("csrf", &other_token));
        let swapped = client().post(app.url("/auth/login")).header("cookie", &cookie).form(&mixed).send().await.unwrap();
        assert_eq!(swapped.status(), 403);
    }

    async fn a_forged_sign_out_leaves_the_session_open(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let forged = bare_client().post(app.url("/auth/logout")).header("origin", "https://evil.example")
            .header("cookie", &admin).form(&[("csrf", app.csrf(&admin))]).send().await.unwrap();
        assert_eq!(forged.status(), 403);
        let untokened = client().post(app.url("/auth/logout")).header("cookie", &admin).send().await.unwrap();
        assert_eq!(untokened.status(), 403);
        assert_eq!(client().get(app.url("/")).header("cookie", &admin).send().await.unwrap().status(), 200);
        // Signing out with no session at all asks for nothing and ends nothing.
        assert_eq!(client().post(app.url("/auth/logout")).send().await.unwrap().status(), 303);
    }

    async fn a_server_function_called_from_another_origin_is_refused(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let cross = bare_client().post(app.url("/api/list_keys")).header("origin", "https://evil.example")
            .header("cookie", &admin).send().await.unwrap();
        assert_eq!(cross.status(), 403);
        let body: serde_json::Value = cross.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
        let own = client().post(app.url("/api/list_keys")).header("cookie", &admin).send().await.unwrap();
        assert_eq!(own.status(), 200);
    }
}
