//! Accounts over HTTP: the first sign-in with a generated password leads only to choosing a
//! new one; disabling a user ends their session at once; a reset password is shown once and
//! must be replaced; "sign out everywhere" ends every session.

use tessera_backend::auth::Role;
use tessera_backend::testing::Engine;

use crate::helpers::{client, csrf_in, TestApp};
use tessera_backend::both_engines;

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// Creates a user through the users page as the administrator; answers (id, one-time password).
async fn create_through_the_page(app: &TestApp, admin: &str, email: &str) -> (String, String) {
    let page = app
        .post_form(
            "/users/new",
            admin,
            &[("email", email), ("role", "operator")],
        )
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let password = html
        .split(r#"data-testid="one-time-password""#)
        .nth(1)
        .unwrap();
    let password =
        password[password.find('>').unwrap() + 1..password.find('<').unwrap()].to_string();
    let id = app.backend.user_by_email(email).await.unwrap().id;
    (id, password)
}

both_engines! {
    async fn a_generated_password_opens_only_the_page_that_replaces_it(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let (_, one_time) = create_through_the_page(app, &admin, "new@example.com").await;
        assert_eq!(one_time.len(), 20);
        let user = app.sign_in("new@example.com", &one_time).await;
        for path in ["/", "/licenses", "/audit"] {
            assert_eq!(get(app, path, &user).await.headers()["location"], "/account", "{path}");
        }
        let listed = client().post(app.url("/api/list_licenses")).header("cookie", &user)
            .header("content-type", "application/json").body(r#"{"params":[]}"#).send().await.unwrap();
        assert_eq!(listed.status(), 403);
        let account = get(app, "/account", &user).await.text().await.unwrap();
        assert!(account.contains("must-change") && csrf_in(&account).is_some());
        // The confirmation must match, and the current password must be right.
        let mismatch = app.post_form("/account/password", &user, &[("current", &one_time), ("new", "my own passphrase"), ("confirm", "my own passphrasE")]).await;
        assert_eq!(mismatch.status(), 422);
        let wrong = app.post_form("/account/password", &user, &[("current", "not the password"), ("new", "my own passphrase"), ("confirm", "my own passphrase")]).await;
        assert_eq!(wrong.status(), 422);
        assert!(!wrong.text().await.unwrap().contains("my own passphrase"), "passwords never come back in a page");
        let changed = app.post_form("/account/password", &user, &[("current", &one_time), ("new", "my own passphrase"), ("confirm", "my own passphrase")]).await;
        assert_eq!(changed.headers()["location"], "/account?done=password%20changed");
        assert_eq!(get(app, "/", &user).await.status(), 200, "the session in use stays and is free now");
        assert_eq!(app.post_login("new@example.com", &one_time).await.headers()["location"], "/login?error=invalid");
    }

    async fn a_disabled_user_is_signed_out_at_once_and_cannot_sign_in(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let operator = app.cookie_for(Role::Operator).await;
        assert_eq!(get(app, "/licenses", &operator).await.status(), 200);
        let id = app.backend.user_by_email("operator@example.com").await.unwrap().id;
        let done = app.post_form(&format!("/users/{id}/disable"), &admin, &[]).await;
        assert_eq!(done.headers()["location"], "/users?done=saved");
        assert_eq!(get(app, "/licenses", &operator).await.headers()["location"], "/login");
        let again = app.post_login("operator@example.com", "a long enough passphrase").await;
        assert_eq!(again.headers()["location"], "/login?error=invalid");
        app.post_form(&format!("/users/{id}/enable"), &admin, &[]).await;
        app.sign_in("operator@example.com", "a long enough passphrase").await;
        // The last sysadmin cannot take itself out.
        let me = app.backend.user_by_email(&app.admin_email).await.unwrap().id;
        let refused = app.post_form(&format!("/users/{me}/role"), &admin, &[("role", "viewer")]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("sysadmin"));
    }

    async fn a_reset_password_ends_sessions_and_must_be_replaced(app: &TestApp) {
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        let viewer = app.cookie_for(Role::Viewer).await;
        let id = app.backend.user_by_email("viewer@example.com").await.unwrap().id;
        let page = app.post_form(&format!("/users/{id}/reset-password"), &admin, &[]).await.text().await.unwrap();
        assert!(page.contains("viewer@example.com") && page.contains("one-time-password"));
        assert_eq!(get(app, "/", &viewer).await.headers()["location"], "/login");
        let users = get(app, "/users", &admin).await.text().await.unwrap();
        assert!(users.contains("must change password"));
    }

    async fn signing_out_everywhere_ends_every_session(app: &TestApp) {
        let laptop = app.sign_in(&app.admin_email, &app.admin_password).await;
        let phone = app.sign_in(&app.admin_email, &app.admin_password).await;
        let out = app.post_form("/account/sign-out-everywhere", &laptop, &[]).await;
        assert_eq!(out.headers()["location"], "/login?error=signed_out");
        for cookie in [&laptop, &phone] {
            assert_eq!(get(app, "/", cookie).await.headers()["location"], "/login");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_administrator_must_choose_a_password_at_first_sign_in() {
    let db = tessera_backend::testing::TestDb::new(Engine::Sqlite).await;
    let backend = db.backend().await;
    let tessera_backend::bootstrap::FirstAdmin { email, password } =
        backend.bootstrap().await.unwrap().admin.unwrap();
    let session = backend
        .login(&email, &password, std::net::IpAddr::from([127, 0, 0, 1]))
        .await
        .unwrap();
    assert!(session.user.must_change_password);
}
