//! Refunds from Tessera: the license detail page's button and `POST /api/v1/licenses/{id}/refund`,
//! within 14 days of the payment: Stripe refunds it, the license ends as refunded at once with
//! the refund's id in its audit row, and Stripe's own `charge.refunded` then changes nothing.
//! After the window, without a Stripe payment or twice: refused, saying why.

use reqwest::Method;
use serde_json::json;
use tessera_backend::both_engines;
use tessera_backend::store::AuditAction;
use tessera_license::vocab::{LicenseStatus, Scope};

use crate::helpers::sample_license;
use crate::stripe_support::Shop;

impl Shop {
    /// A paid monthly license, bought through the stand-in, once Stripe's invoice event has
    /// told Tessera the charge; answers its id.
    async fn bought(&self, token: &str) -> String {
        let body = json!({ "company": "Hooli", "email": "buyer@hooli.example", "product": "chat", "plan": "chat-pro-monthly" });
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
        let id = done["license_id"].as_str().unwrap().to_string();
        crate::selling::eventually("the charge", async || {
            self.app.backend.store().payments_of(&id).await.unwrap()[0]
                .charge_id
                .clone()
        })
        .await;
        id
    }

    async fn detail_page(&self, cookie: &str, id: &str) -> String {
        let page = crate::helpers::client()
            .get(self.app.url(&format!("/licenses/{id}")))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        page.text().await.unwrap()
    }
}

both_engines! {
    async fn the_api_refunds_within_the_window_once_and_stripe_s_event_changes_nothing(shop: &Shop) {
        let token = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let id = shop.bought(&token).await;
        let path = format!("/api/v1/licenses/{id}/refund");
        let (status, refunded) = shop.app.api_call(Method::POST, &path, &token, Some(&json!({}))).await;
        assert_eq!(status, 200, "{refunded}");
        assert_eq!(refunded["status"], "refunded");
        assert!(shop.standin.requests().contains(&"POST /v1/refunds".to_string()));
        let payment = &shop.app.backend.store().payments_of(&id).await.unwrap()[0];
        let refund_id = payment.refund_id.clone().unwrap();
        assert_eq!((payment.status.to_string().as_str(), payment.amount_refunded), ("refunded", payment.amount));
        let license = shop.app.backend.get_license(&id).await.unwrap();
        assert!(license.revoke_reason.unwrap().contains(&refund_id));
        let trail = shop.app.backend.audit_trail(&Default::default(), None, 500).await.unwrap();
        let audit = trail.iter().find(|r| r.action == AuditAction::LicenseRefunded).unwrap();
        let detail: serde_json::Value = serde_json::from_str(&audit.detail).unwrap();
        assert_eq!(detail["refund_id"], json!(refund_id));
        assert!(audit.actor.starts_with("api:"), "{}", audit.actor);
        // Stripe's charge.refunded for the same refund arrives and changes nothing.
        let refunded_event = crate::selling::eventually("Stripe's charge.refunded", async || {
            let event = shop.standin.events().into_iter().find(|e| e["type"] == "charge.refunded")?;
            let id = event["id"].as_str()?.to_string();
            shop.app.backend.store().stripe_event(&id).await.unwrap()
        }).await;
        assert!(refunded_event.outcome.contains("refunded already"), "{}", refunded_event.outcome);
        let events = shop.app.backend.store().outbox_events(0, 1000).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.subject == "tessera.license.refunded").count(), 1);
        let (status, again) = shop.app.api_call(Method::POST, &path, &token, Some(&json!({}))).await;
        assert_eq!(status, 409, "{again}");
        assert!(again["message"].as_str().unwrap().contains("the license is refunded"), "{again}");
        assert_eq!(shop.standin.requests().iter().filter(|r| *r == "POST /v1/refunds").count(), 1);
    }

    async fn the_page_offers_the_refund_for_14_days_then_says_why_not(shop: &Shop) {
        let token = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let cookie = shop.app.sign_in(&shop.app.admin_email, &shop.app.admin_password).await;
        let late = shop.bought(&token).await;
        let fresh = shop.bought(&token).await;
        let manual = shop.app.backend.issue_license(&sample_license(), "test").await.unwrap().license.id;
        let fifteen_days_ago = chrono::Utc::now().timestamp() - 15 * 86_400;
        shop.app.db.sql(&[&format!("UPDATE payments SET paid_at = {fifteen_days_ago} WHERE license_id = '{late}'")]).await;

        let page = shop.detail_page(&cookie, &fresh).await;
        assert!(page.contains("Refund the payment in full, until"), "the open window is shown");
        assert!(!page.contains("disabled=\"\" aria-describedby=\"refund_note\""));
        let page = shop.detail_page(&cookie, &late).await;
        assert!(page.contains("No refund: the refund window closed on"), "the closed window says why");
        assert!(page.contains("disabled"));
        let page = shop.detail_page(&cookie, &manual).await;
        assert!(page.contains("No refund: no Stripe payment was made for this license"));

        let refused = shop.app.post_form(&format!("/licenses/{late}/refund"), &cookie, &[]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("the refund window closed on"));
        assert_eq!(shop.app.backend.get_license(&late).await.unwrap().status, LicenseStatus::Active);
        let done = shop.app.post_form(&format!("/licenses/{fresh}/refund"), &cookie, &[]).await;
        assert_eq!(done.status(), 303, "the form redirects back to the license");
        assert_eq!(shop.app.backend.get_license(&fresh).await.unwrap().status, LicenseStatus::Refunded);
        let page = shop.detail_page(&cookie, &fresh).await;
        assert!(!page.contains("refund_note"), "a refunded license offers no actions");
    }
}
