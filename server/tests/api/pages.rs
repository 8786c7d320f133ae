use tessera_backend::auth::Role;
use tessera_backend::testing::Engine;

use crate::helpers::{client, sample_license, TestApp};
use tessera_backend::both_engines;

both_engines! {
    async fn anonymous_visitors_are_sent_to_sign_in(app: &TestApp) {
        for path in ["/", "/keys"] {
            let response = client().get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 303, "{path}");
            assert_eq!(response.headers()["location"], "/login");
        }
        let login = client().get(app.url("/login")).send().await.unwrap();
        assert_eq!(login.status(), 200);
        let html = login.text().await.unwrap();
        assert!(html.contains(r#"<label for="email""#) && html.contains(r#"action="/auth/login""#));
    }

    async fn the_admin_signs_in_with_a_strict_http_only_cookie(app: &TestApp) {
        let response = app.post_login(&app.admin_email, &app.admin_password).await;
        assert_eq!(response.status(), 303);
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("tessera_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
        let session = cookie.split(';').next().unwrap();
        let page = client().get(app.url("/")).header("cookie", session).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(&app.admin_email));
        assert!(html.contains("Signing keys"), "sysadmin navigation is missing");
        assert!(!html.contains(&app.admin_password));
    }

    async fn a_wrong_password_returns_to_the_form_without_a_session(app: &TestApp) {
        let response = app.post_login(&app.admin_email, "wrong password here").await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/login?error=invalid");
        assert!(response.headers().get("set-cookie").is_none());
        let page = client().get(app.url("/login?error=invalid")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("The e-mail or password is not right."));
    }

    async fn the_overview_shows_how_many_license_events_wait(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let overview = || async {
            client().get(app.url("/")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap()
        };
        assert!(overview().await.contains("all published"));
        let issued = app.backend.issue_license(&crate::helpers::sample_license(), "test").await.unwrap();
        app.backend.revoke_license(&issued.license.id, "test", "test").await.unwrap();
        // No broker in this test: the event waits.
        assert!(overview().await.contains("1 waiting, oldest"));
    }

    async fn navigation_and_server_functions_follow_the_role(app: &TestApp) {
        let viewer = app.cookie_for(Role::Viewer).await;
        let html = client().get(app.url("/")).header("cookie", &viewer).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Overview") && !html.contains("Signing keys"));
        let keys_page = client().get(app.url("/keys")).header("cookie", &viewer).send().await.unwrap();
        assert_eq!(keys_page.status(), 403);

        let call = |cookie: Option<String>| {
            let mut request = client().post(app.url("/api/list_keys"));
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(call(None).await, 401);
        assert_eq!(call(Some(viewer)).await, 403);
        assert_eq!(call(Some(app.cookie_for(Role::Operator).await)).await, 403);
        let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
        assert_eq!(call(Some(admin)).await, 200);
    }

    async fn viewers_see_licenses_but_no_way_to_change_them(app: &TestApp) {
        let id = app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        let page = |path: String, cookie: String| async move {
            let response = client().get(app.url(&path)).header("cookie", cookie).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        let viewer = app.cookie_for(Role::Viewer).await;
        let operator = app.cookie_for(Role::Operator).await;
        let (status, list) = page("/licenses".into(), viewer.clone()).await;
        assert!(status == 200 && list.contains(&id) && !list.contains("Issue a license"));
        let (status, detail) = page(format!("/licenses/{id}"), viewer.clone()).await;
        assert!(status == 200 && detail.contains("buyer@example.com"));
        assert!(!detail.contains("Revoke") && !detail.contains("Transfer to a new owner"));
        let (status, form) = page("/licenses/new".into(), viewer).await;
        assert_eq!(status, 403);
        assert!(form.contains("forbidden") && !form.contains("Customer e-mail"));

        let (_, list) = page("/licenses".into(), operator.clone()).await;
        assert!(list.contains("Issue a license"));
        let (_, detail) = page(format!("/licenses/{id}"), operator.clone()).await;
        assert!(detail.contains("Revoke") && detail.contains("Transfer to a new owner"));
        let (status, form) = page("/licenses/new".into(), operator).await;
        assert!(status == 200 && form.contains("Customer e-mail"));
    }

    async fn signing_out_ends_the_session(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let out = app.post_form("/auth/logout", &cookie, &[]).await;
        assert_eq!(out.status(), 303);
        assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let page = client().get(app.url("/")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 303);
    }

    async fn an_unknown_page_is_a_404(app: &TestApp) {
        let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
        let page = client().get(app.url("/no-such-page")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), 404);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_cookies_are_secure_and_host_prefixed() {
    const PUBLIC: &str = "https://licenses.example.com";
    let app = TestApp::spawn_with(Engine::Sqlite, |c| c.public_url = PUBLIC.into()).await;
    let page = client().get(app.url("/login")).send().await.unwrap();
    let form_cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        form_cookie.starts_with("__Host-tessera_csrf=") && form_cookie.contains("; Secure"),
        "{form_cookie}"
    );
    assert!(
        form_cookie.contains("Path=/") && !form_cookie.contains("Domain"),
        "{form_cookie}"
    );
    let token = crate::helpers::csrf_in(&page.text().await.unwrap()).unwrap();
    let response = client()
        .post(app.url("/auth/login"))
        .header("origin", PUBLIC)
        .header("cookie", form_cookie.split(';').next().unwrap())
        .form(&[
            ("email", app.admin_email.as_str()),
            ("password", app.admin_password.as_str()),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let session = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        session.starts_with("__Host-tessera_session=") && session.contains("; Secure"),
        "{session}"
    );
    // The unprefixed name is not read: a sibling subdomain could have set it.
    let value = session
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    let shadow = client()
        .get(app.url("/"))
        .header("cookie", format!("tessera_session={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(shadow.headers()["location"], "/login");
}

/// Every page renders completely and answers 200 under 280 concurrent loads: no render left
/// unfinished, no page failing under load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_completely_under_concurrent_load() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let admin = app.sign_in(&app.admin_email, &app.admin_password).await;
    let paths = [
        "/",
        "/keys",
        "/licenses",
        "/account",
        "/users",
        "/audit",
        "/login",
    ];
    let loads: Vec<_> = (0..280)
        .map(|i| {
            let (url, cookie) = (app.url(paths[i % paths.len()]), admin.clone());
            tokio::spawn(async move {
                let response = reqwest::Client::new()
                    .get(&url)
                    .header("cookie", cookie)
                    .timeout(std::time::Duration::from_secs(20))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == 200 => r
                        .text()
                        .await
                        .map(|t| (url, t.contains("</html>")))
                        .map_err(|e| e.to_string()),
                    Ok(r) => Err(format!("{url}: {}", r.status())),
                    Err(e) => Err(format!("{url}: {e}")),
                }
            })
        })
        .collect();
    let mut failed = Vec::new();
    for load in loads {
        match load.await.unwrap() {
            Ok((_, true)) => {}
            Ok((url, false)) => failed.push(format!("{url}: incomplete page")),
            Err(e) => failed.push(e),
        }
    }
    assert!(failed.is_empty(), "{failed:?}");
}
