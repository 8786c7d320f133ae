//! `/metrics`: Prometheus text with request counts by matched route, heartbeat writer and
//! sign-in counters; open to loopback, or to its bearer token.

use tessera_backend::testing::Engine;

use crate::helpers::{client, sample_license, TestApp};
use tessera_backend::both_engines;

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = client().get(app.url("/metrics"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

both_engines! {
    async fn metrics_count_routes_heartbeats_and_failed_sign_ins(app: &TestApp) {
        let token = app.backend.issue_license(&sample_license(), "test").await.unwrap().token;
        client().get(app.url("/healthz")).send().await.unwrap();
        client().get(app.url("/licenses/lic_0000000000000000000000000A")).send().await.unwrap();
        let beat = serde_json::json!({ "token": token, "install_id": "inst-1", "version": "1.0" });
        assert_eq!(client().post(app.url("/api/v1/heartbeat")).json(&beat).send().await.unwrap().status(), 200);
        app.post_login(&app.admin_email, "wrong password here").await;
        app.backend.flush_heartbeats().await.unwrap();
        let (status, text) = scrape(app, &[]).await;
        assert_eq!(status, 200);
        assert!(value(&text, r#"tessera_http_requests_total{method="GET",route="/healthz",status="200"}"#) >= Some(1.0), "{text}");
        // By matched route, never the raw path with its id.
        assert!(text.contains(r#"route="/licenses/{id}""#) || text.contains(r#"route="/licenses/:id""#), "{text}");
        assert!(!text.contains("lic_0000000000000000000000000A"));
        assert!(text.contains(r#"tessera_http_request_duration_seconds_bucket{method="POST",route="/api/v1/heartbeat",status="200",le="+Inf"} 1"#), "{text}");
        assert_eq!(value(&text, "tessera_heartbeats_recorded_total"), Some(1.0));
        assert!(value(&text, "tessera_heartbeat_batches_total") >= Some(1.0));
        assert_eq!(value(&text, "tessera_sign_in_failures_total"), Some(1.0));
        assert!(value(&text, "tessera_heartbeat_writer_lag_seconds").is_some());
        assert_eq!(value(&text, "tessera_rate_limited_total"), Some(0.0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_closed_to_forwarded_requests_without_the_token() {
    let app = TestApp::spawn_with(Engine::Sqlite, |c| {
        c.metrics_token = Some("scrape-me-please".to_string().into());
    })
    .await;
    // Through a reverse proxy on this host: not loopback any more.
    let forwarded = [("x-forwarded-for", "203.0.113.7")];
    assert_eq!(scrape(&app, &forwarded).await.0, 403);
    let wrong = [
        ("x-forwarded-for", "203.0.113.7"),
        ("authorization", "Bearer scrape-me-pleasE"),
    ];
    assert_eq!(scrape(&app, &wrong).await.0, 403);
    let right = [
        ("x-forwarded-for", "203.0.113.7"),
        ("authorization", "Bearer scrape-me-please"),
    ];
    let (status, text) = scrape(&app, &right).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE tessera_sign_in_failures_total counter"));
}
