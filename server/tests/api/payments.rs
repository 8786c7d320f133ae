//! `/payments`, its CSV export and `GET /api/v1/payments/verify/{license_id}`: payments made
//! through the stand-in listed with totals and filters, every row exported in batches,
//! spreadsheet formulas defused, and a license's payment verified until it is refunded.

use reqwest::Method;
use serde_json::json;
use tessera_backend::both_engines;
use tessera_license::vocab::Scope;

use crate::helpers::{client, sample_license};
use crate::stripe_support::Shop;

impl Shop {
    async fn buy_for(&self, token: &str, company: &str) -> String {
        let body = json!({ "company": company, "email": "buyer@example.com", "product": "chat", "plan": "chat-pro-monthly" });
        let (status, opened) = self
            .app
            .api_call(
                Method::POST,
                "/api/v1/checkout-sessions",
                token,
                Some(&body),
            )
            .await;
        assert_eq!(status, 201, "{opened}");
        let session = opened["id"].as_str().unwrap();
        self.standin.pay(session).unwrap();
        let (_, done) = self
            .app
            .api_call(
                Method::GET,
                &format!("/api/v1/checkout-sessions/{session}"),
                token,
                None,
            )
            .await;
        done["license_id"].as_str().unwrap().to_string()
    }

    async fn get(&self, cookie: &str, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let answer = client()
            .get(self.app.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        (status, answer.text().await.unwrap(), headers)
    }
}

both_engines! {
    async fn payments_are_listed_filtered_totalled_exported_and_verified(shop: &Shop) {
        let token = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let globex = shop.buy_for(&token, "Globex").await;
        let hooli = shop.buy_for(&token, "Hooli, Inc.").await;
        let cookie = shop.app.cookie_for(tessera_backend::auth::Role::Operator).await;

        let (status, page, _) = shop.get(&cookie, "/payments").await;
        assert_eq!(status, 200);
        assert!(page.contains(&globex) && page.contains(&hooli), "both payments listed");
        assert!(page.contains("98.00 EUR") && page.contains("2 payments, 0.00 EUR refunded"), "the totals");
        let (_, page, _) = shop.get(&cookie, "/payments?company=glo").await;
        assert!(page.contains(&globex) && !page.contains(&hooli), "filtered by the company's start, any case");
        assert!(page.contains("49.00 EUR") && page.contains("1 payments"));
        let (_, page, _) = shop.get(&cookie, "/payments?company=%25").await;
        assert!(page.contains("No payments match."), "a % is a character, not a wildcard");
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
        let (_, page, _) = shop.get(&cookie, &format!("/payments?from={tomorrow}")).await;
        assert!(page.contains("No payments match."));
        let (_, page, _) = shop.get(&cookie, "/payments?to=30%2F11%2F2026").await;
        assert!(page.contains("is not a date like 2026-11-30"), "a bad date says so");

        let (status, csv, headers) = shop.get(&cookie, "/payments.csv?company=hoo").await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "paid_at,payment,license,product,company,email,amount,currency,status,refunded,source");
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[1].contains(&format!(",{hooli},acme-chat,\"Hooli, Inc.\",buyer@example.com,49.00,EUR,paid,0.00,in_")), "{csv}");
        let (status, _, _) = shop.get(&cookie, "/payments.csv?from=yesterday").await;
        assert_eq!(status, 422);

        let verify = |id: String| {
            let token = token.clone();
            async move { shop.app.api_call(Method::GET, &format!("/api/v1/payments/verify/{id}"), &token, None).await }
        };
        let (status, verdict) = verify(globex.clone()).await;
        assert_eq!(status, 200, "{verdict}");
        assert_eq!((verdict["paid"].clone(), verdict["payments"][0]["price"].clone()), (json!(true), json!("49.00 EUR")));
        crate::selling::eventually("the charge", async || shop.app.backend.store().payments_of(&globex).await.unwrap()[0].charge_id.clone()).await;
        let (status, _) = shop.app.api_call(Method::POST, &format!("/api/v1/licenses/{globex}/refund"), &token, Some(&json!({}))).await;
        assert_eq!(status, 200);
        let (_, verdict) = verify(globex.clone()).await;
        assert_eq!((verdict["paid"].clone(), verdict["license_status"].clone(), verdict["payments"][0]["status"].clone()), (json!(false), json!("refunded"), json!("refunded")));
        let manual = shop.app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        let (_, verdict) = verify(manual).await;
        assert_eq!((verdict["paid"].clone(), verdict["payments"].clone()), (json!(false), json!([])));
        let (status, _) = verify("lic_01JABCDEFGHJKMNPQRSTVWXYZ0".into()).await;
        assert_eq!(status, 404);
    }

    async fn a_large_export_streams_every_row_once_and_defuses_formulas(shop: &Shop) {
        let license = shop.app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        // 1,200 payments, one of them from a company whose name is a spreadsheet formula.
        shop.app.db.sql(&[&format!(
            "INSERT INTO payments (id, license_id, source, amount, currency, status, amount_refunded, product, company, email, paid_at) \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) \
             SELECT 'pay_' || i, '{license}', 'in_' || i, 100 * i, 'usd', 'paid', 0, 'studio', \
             CASE WHEN i = 7 THEN '=HYPERLINK(\"http://evil.example\")' ELSE 'Bulk Buyer' END, 'bulk@example.com', 1700000000 + i FROM n"
        )]).await;
        let cookie = shop.app.cookie_for(tessera_backend::auth::Role::Operator).await;
        let (status, csv, _) = shop.get(&cookie, "/payments.csv").await;
        assert_eq!(status, 200);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), 1200, "every row, across three batches");
        let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.split(',').nth(1).unwrap()).collect();
        assert_eq!(ids.len(), 1200, "none twice");
        assert!(rows[0].contains(",pay_1200,"), "newest first");
        let formula = rows.iter().find(|r| r.contains(",pay_7,")).unwrap();
        assert!(formula.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""), "{formula}");
        let (_, page, _) = shop.get(&cookie, "/payments").await;
        assert!(page.contains("720600.00 USD") && page.contains("1200 payments"), "totals cover every page");
        let older = page.split("href=\"/payments?after=").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        let (_, next, _) = shop.get(&cookie, &format!("/payments?after={older}")).await;
        // Row i is i.00 USD: the first page holds 1200 down to 1151, the next 1150 down to 1101.
        assert!(page.contains(">1151.00 USD<") && !page.contains(">1150.00 USD<"), "fifty a page");
        assert!(next.contains(">1150.00 USD<") && next.contains(">1101.00 USD<"), "the next page");
        assert!(!next.contains(">1151.00 USD<") && !next.contains(">1100.00 USD<"), "only the next page");
    }
}
