//! Usage from a deployment to its customer's `/billing`. A self-hosted install's product
//! takes seats and reports a cap; the install's heartbeat carries both to the vendor, whose
//! `/billing` shows them against the license (and "over" past it). A vendor's own Tessera,
//! licensed by another Tessera, reports its catalog against that license's caps. A bad report
//! is a 422 that records nothing. The local API (`PUT /api/v1/usage/{cap}`) over HTTP.

use reqwest::Method;
use serde_json::{json, Value};
use tessera_backend::auth::Role;
use tessera_backend::both_engines;
use tessera_backend::selfhost::seats::{RoleInput, RolesInput};
use tessera_backend::testing::TestDb;
use tessera_license::vocab::{Scope, StateName};

use crate::customers_support::{customer_cookie, example_catalog, get};
use crate::helpers::{client, SelfHostApp, TestApp};

/// Starts a trial of `product` for the org `acme` (made with its owner); answers the trial's
/// license and token.
async fn acme_trial(app: &TestApp, product: &str) -> (Value, String) {
    let write = app.api_token(&[Scope::LicensesWrite]).await;
    let (status, trial) = app
        .api_post(
            "/api/v1/trials/acme",
            Some(&write),
            &json!({"product": product, "email": "owner@acme.example", "company": "Acme"}),
        )
        .await;
    assert_eq!(status, 201, "{trial}");
    let token = trial["token"].as_str().unwrap().to_string();
    (trial["license"].clone(), token)
}

/// The usage cell of `license_id`'s row on the org's `/billing`.
async fn usage_cell(app: &TestApp, cookie: &str, license_id: &str) -> String {
    let (status, html) = get(app, "/billing?org=acme", cookie).await;
    assert_eq!(status, 200, "{html}");
    let row = html
        .split(&format!(r#"data-license="{license_id}""#))
        .nth(1)
        .expect("the license's row");
    let cell = row
        .split(r#"data-testid="license-usage""#)
        .nth(1)
        .expect("its usage cell");
    cell[..cell.find("</td>").unwrap()].to_string()
}

/// The text of an HTML fragment, tags dropped.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn role(name: &str, billable: bool) -> RoleInput {
    RoleInput {
        name: name.into(),
        billable,
    }
}

/// Posts a heartbeat as an install would, over HTTP.
async fn beat(app: &TestApp, body: &Value) -> (u16, Value) {
    let answer = client()
        .post(app.url("/api/v1/heartbeat"))
        .json(body)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

both_engines! {
    async fn an_installs_seats_and_caps_reach_billing_against_its_license(app: &TestApp) {
        example_catalog(app).await;
        let (license, token) = acme_trial(app, "chat").await;
        let license_id = license["id"].as_str().unwrap();
        let pool = license["claims"]["lic"]["seats"]["rooms"]["pool"].as_i64().unwrap();
        let rooms = license["claims"]["lic"]["caps"]["rooms"].as_i64().unwrap();
        let cookie = customer_cookie(app, "owner@acme.example").await;
        assert!(text(&usage_cell(app, &cookie, license_id).await).contains("Not reported yet"));

        // On the customer's machine the product declares its roles, gives three people a
        // billable one and one a free one, and says it runs four rooms.
        let (_db, install, _jwks) = app.install_of("acme-chat").await;
        install.install_license(&token, "operator").await.unwrap();
        let roles = vec![role("host", true), role("moderator", true), role("guest", false)];
        install.register_plugin("rooms", RolesInput { roles }, "erp").await.unwrap();
        for (user, role) in [("ann", "host"), ("bob", "host"), ("cy", "moderator"), ("dee", "guest")] {
            install.grant_seat("rooms", user, role, "erp").await.unwrap();
        }
        let cap = install.report_cap_usage("rooms", 4).await.unwrap();
        assert_eq!((cap.used, cap.licensed), (4, Some(rooms)));
        let view = install.heartbeat_vendor().await.unwrap();
        assert_eq!(view.state, StateName::Active);
        app.backend.flush_heartbeats().await.unwrap();

        let shown = text(&usage_cell(app, &cookie, license_id).await);
        assert!(shown.contains(&format!("rooms seats: 3 / {pool}")), "{shown}");
        assert!(shown.contains(&format!("rooms: 4 / {rooms}")), "{shown}");
        assert!(shown.contains("reported"), "{shown}");
        assert!(!shown.contains("over"), "{shown}");

        // Past the cap (the product does not stop at it): shown as over, the latest report wins.
        install.report_cap_usage("rooms", rooms + 5).await.unwrap();
        install.revoke_seat("rooms", "cy", "moderator", "erp").await.unwrap();
        install.heartbeat_vendor().await.unwrap();
        app.backend.flush_heartbeats().await.unwrap();
        let shown = text(&usage_cell(app, &cookie, license_id).await);
        assert!(shown.contains(&format!("rooms seats: 2 / {pool}")), "{shown}");
        assert!(shown.contains(&format!("rooms: {} / {rooms}over", rooms + 5)), "{shown}");
    }

    async fn a_bad_usage_report_is_refused_and_records_nothing(app: &TestApp) {
        example_catalog(app).await;
        let (license, token) = acme_trial(app, "chat").await;
        let license_id = license["id"].as_str().unwrap();
        let good = json!({"token": token, "install_id": "inst-1", "version": "1.0",
            "usage": {"seats": {"rooms": 2}, "caps": {"rooms": 5}}});
        let (status, body) = beat(app, &good).await;
        assert_eq!(status, 200, "{body}");
        app.backend.flush_heartbeats().await.unwrap();

        let many: serde_json::Map<String, Value> = (0..65).map(|i| (format!("cap-{i}"), json!(1))).collect();
        let bad = [
            (json!({"caps": many}), "usage.caps"),
            (json!({"seats": {"Rooms!": 1}}), "usage.seats"),
            (json!({"seats": {"rooms": -1}}), "usage.seats"),
            (json!({"caps": {"rooms": 1_000_000_001}}), "usage.caps"),
            (json!({"caps": {"ro\u{0}oms": 1}}), "usage.caps"),
            (json!({"caps": {"": 1}}), "usage.caps"),
            (json!({"caps": {" rooms": 1}}), "usage.caps"),
        ];
        for (usage, field) in bad {
            let mut body = good.clone();
            body["usage"] = usage.clone();
            body["install_id"] = json!("inst-2");
            let (status, answer) = beat(app, &body).await;
            assert_eq!(status, 422, "{usage}: {answer}");
            assert!(answer["message"].as_str().unwrap().contains(field), "{usage}: {answer}");
        }
        for usage in [json!({"caps": {"rooms": "many"}}), json!("lots"), json!({"caps": {"rooms": 1.5}})] {
            let mut body = good.clone();
            body["usage"] = usage.clone();
            body["install_id"] = json!("inst-2");
            let (status, answer) = beat(app, &body).await;
            assert!((400..500).contains(&status), "{usage}: {status} {answer}");
        }
        app.backend.flush_heartbeats().await.unwrap();
        let recorded = app.backend.store().recent_heartbeats(license_id, 100).await.unwrap();
        assert_eq!(recorded.len(), 1, "no refused heartbeat was recorded");
        let cookie = customer_cookie(app, "owner@acme.example").await;
        let shown = text(&usage_cell(app, &cookie, license_id).await);
        assert!(shown.contains("rooms seats: 2 / ") && shown.contains("rooms: 5 / "), "the good report stands: {shown}");
    }

    async fn a_vendor_licensed_by_another_tessera_reports_its_catalog_against_its_caps(master: &TestApp) {
        // The master Tessera sells Tessera; Acme trials it.
        let catalog = tessera_backend::catalog::CatalogSpec::from_yaml(TESSERA_CATALOG).unwrap();
        master.backend.apply_catalog(catalog, "test", false).await.unwrap();
        let (license, token) = acme_trial(master, "tessera").await;
        let license_id = license["id"].as_str().unwrap();

        // Acme's own Tessera runs on that license and fills its catalog.
        let jwks = master.pinned_keys().await;
        let db = TestDb::new(master.engine()).await;
        let config = tessera_backend::Config {
            license: Some(token.into()),
            vendor_jwks: Some(jwks.path().to_path_buf()),
            vendor_url: Some(master.base.clone()),
            ..db.config()
        };
        let acme = db.backend_with(config).await;
        acme.install_configured_license().await.unwrap();
        let example = tessera_backend::catalog::CatalogSpec::from_yaml(include_str!("../../../docs/catalog.example.yaml")).unwrap();
        acme.apply_catalog(example, "test", false).await.unwrap();
        acme.heartbeat_vendor().await.unwrap();
        master.backend.flush_heartbeats().await.unwrap();

        let cookie = customer_cookie(master, "owner@acme.example").await;
        let shown = text(&usage_cell(master, &cookie, license_id).await);
        // docs/catalog.example.yaml: two products, at most three plans each, two coupons.
        for line in ["products: 2 / 5", "plans_per_product: 3 / 4", "active_coupons: 2 / 3"] {
            assert!(shown.contains(line), "{line}: {shown}");
        }
    }

    async fn the_product_reports_a_cap_over_the_local_api(host: &SelfHostApp) {
        let app = &host.app;
        let bearer = crate::self_host::licensed(host).await;
        let (status, cap) = app.api_call(Method::PUT, "/api/v1/usage/rooms", &bearer, Some(&json!({"used": 7}))).await;
        assert_eq!(status, 200, "{cap}");
        assert_eq!((cap["cap"].as_str(), cap["used"].as_i64()), (Some("rooms"), Some(7)));
        assert_eq!(cap["licensed"], host.vendor.claims().lic.caps["rooms"]);
        // A cap the license does not set is recorded; nothing limits it.
        let (status, other) = app.api_call(Method::PUT, "/api/v1/usage/projects", &bearer, Some(&json!({"used": 2}))).await;
        assert_eq!((status, other["licensed"].clone()), (200, Value::Null));
        let (_, e) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!(e["caps_used"], json!({"rooms": 7, "projects": 2}));
        // Bad amounts and names are refused and change nothing.
        for (path, body) in [
            ("/api/v1/usage/rooms", json!({"used": -1})),
            ("/api/v1/usage/rooms", json!({"used": 1_000_000_001_i64})),
            ("/api/v1/usage/rooms", json!({"used": 1, "extra": true})),
            ("/api/v1/usage/rooms", json!({})),
            ("/api/v1/usage/%20rooms", json!({"used": 1})),
            ("/api/v1/usage/ro%00oms", json!({"used": 1})),
        ] {
            let (status, answer) = app.api_call(Method::PUT, path, &bearer, Some(&body)).await;
            assert_eq!(status, 422, "{path} {body}: {answer}");
        }
        let (_, e) = app.api_call(Method::GET, "/api/v1/entitlements", &bearer, None).await;
        assert_eq!(e["caps_used"], json!({"rooms": 7, "projects": 2}));
        // A heartbeat carries 64 caps: a 65th is refused, a known one still changes.
        for i in 0..62 {
            let (status, _) = app.api_call(Method::PUT, &format!("/api/v1/usage/cap-{i}"), &bearer, Some(&json!({"used": i}))).await;
            assert_eq!(status, 200);
        }
        let (status, answer) = app.api_call(Method::PUT, "/api/v1/usage/one-too-many", &bearer, Some(&json!({"used": 1}))).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["message"].as_str().unwrap().contains("at most 64 caps"), "{answer}");
        let (status, _) = app.api_call(Method::PUT, "/api/v1/usage/rooms", &bearer, Some(&json!({"used": 8}))).await;
        assert_eq!(status, 200);
        let report = app.backend.usage_report().await.unwrap().unwrap();
        assert_eq!((report.caps.len(), report.caps["rooms"]), (64, 8), "the heartbeat carries them all");
        // Seats go for the first 64 plugins by name (with `booking`, 66 are declared here).
        for i in 0..65 {
            let roles = vec![role("user", true)];
            app.backend.register_plugin(&format!("p-{i:02}"), RolesInput { roles }, "erp").await.unwrap();
        }
        let seats = app.backend.usage_report().await.unwrap().unwrap().seats;
        let sent: Vec<&str> = seats.keys().map(String::as_str).collect();
        assert_eq!((sent.len(), sent[0], sent[63]), (64, "booking", "p-62"), "{sent:?}");
        // Reading is not enough to report.
        let read_only = app.api_token(&[Scope::EntitlementsRead]).await;
        let (status, _) = app.api_call(Method::PUT, "/api/v1/usage/rooms", &read_only, Some(&json!({"used": 1}))).await;
        assert_eq!(status, 403);
        // The install's own /license page shows the use against the cap.
        let cookie = app.cookie_for(Role::Viewer).await;
        let page = client().get(app.url("/license")).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("rooms 8 / {}", host.vendor.claims().lic.caps["rooms"])), "the license page shows the use");
    }
}

/// A master Tessera's catalog: Tessera itself, with the caps a vendor's catalog runs under.
const TESSERA_CATALOG: &str = r"
products:
  - slug: tessera
    name: Tessera
    product_key: tessera
    features: [recurring_billing]
    caps: {products: 5, plans_per_product: 4, active_coupons: 3}
    trial: {days: 30, cooldown_days: 365}
    plans:
      - lookup_key: tessera-studio-yearly
        tier: pro
        interval: year
        unit_amount: 120000
        currency: eur
        seats_included: 1
";
