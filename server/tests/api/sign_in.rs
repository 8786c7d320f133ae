//! Sign-in under attack: failures back off per account and per IP, a flood is refused at once
//! with 429 instead of queueing argon2 work, and failures are counted.

use std::sync::atomic::Ordering;

use tessera_backend::testing::Engine;

use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

both_engines! {
    async fn repeated_failures_lock_the_account_with_retry_after(app: &TestApp) {
        for _ in 0..5 {
            let wrong = app.post_login(&app.admin_email, "not the password").await;
            assert_eq!(wrong.headers()["location"], "/login?error=invalid");
        }
        let sixth = app.post_login(&app.admin_email, "not the password either").await;
        assert_eq!(sixth.status(), 303, "the sixth failure is still checked");
        let refused = app.post_login(&app.admin_email, &app.admin_password).await;
        assert_eq!(refused.status(), 429, "even the right password waits out the back-off");
        let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "first back-off is about a second: {wait}");
        assert!(refused.headers().get("set-cookie").is_none());
        assert!(refused.text().await.unwrap().contains("Too many sign-in attempts"));
        let counters = app.backend.sign_in_counters();
        assert_eq!(counters.failed.load(Ordering::Relaxed), 6);
        assert_eq!(counters.refused.load(Ordering::Relaxed), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_sign_ins_is_refused_at_once_beyond_the_pool() {
    // Behind a trusted proxy, so each attempt can come from its own address: no per-IP or
    // per-account back-off applies, only the bound on password checks.
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.trusted_proxies = tessera_backend::config::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let (cookie, token) = app.login_form().await;
    let attempts: Vec<_> = (0..60)
        .map(|i| {
            let (url, cookie, token) = (app.url("/auth/login"), cookie.clone(), token.clone());
            tokio::spawn(async move {
                let email = format!("nobody{i}@example.com");
                let response = client()
                    .post(url)
                    .header("cookie", cookie)
                    .header("x-forwarded-for", format!("198.51.100.{i}"))
                    .form(&[
                        ("email", email.as_str()),
                        ("password", "guess guess guess"),
                        ("csrf", &token),
                    ])
                    .send()
                    .await
                    .expect("every attempt is answered");
                response.status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let checked = statuses.iter().filter(|s| **s == 303).count();
    assert_eq!(refused + checked, statuses.len(), "{statuses:?}");
    assert!(
        refused > 0,
        "60 simultaneous checks were all queued: {statuses:?}"
    );
    assert!(checked > 0, "the pool still checks some: {statuses:?}");
    assert_eq!(
        client()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
