//! Selling through Stripe, end to end against the stand-in: the checkout API, the hosted
//! page's "Pay", the signed webhooks the stand-in delivers, the license, payment and outbox
//! rows they make; renewals, refunds, disputes, replays in any order, and the checkout
//! status call that issues before the webhook arrives.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tessera_backend::both_engines;
use tessera_license::vocab::Scope;

use crate::helpers::bare_client;
use crate::stripe_support::Shop;

/// Polls `check` until it answers `Some`, for at most 20 s.
pub(crate) async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Shop {
    /// Opens a checkout for `body`; answers the status and the answer.
    async fn checkout(&self, token: &str, body: &Value) -> (u16, Value) {
        self.app
            .api_call(Method::POST, "/api/v1/checkout-sessions", token, Some(body))
            .await
    }

    /// Opens the hosted page and presses "Pay" as a browser would; answers where it went.
    pub(crate) async fn pay(&self, url: &str) -> String {
        let page = bare_client().get(url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Pay"), "{html}");
        let paid = bare_client()
            .post(format!("{url}/pay"))
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 303);
        paid.headers()["location"].to_str().unwrap().to_string()
    }

    /// The checkout's license id once it has one.
    async fn license_of(&self, token: &str, session: &str) -> String {
        let path = format!("/api/v1/checkout-sessions/{session}");
        eventually("the license", async || {
            let (_, view) = self.app.api_call(Method::GET, &path, token, None).await;
            view["license_id"].as_str().map(str::to_string)
        })
        .await
    }

    /// The license token e-mailed to `to` (the file mailer's `.eml`, soft line breaks undone).
    pub(crate) async fn mailed_token(&self, to: &str) -> String {
        let dir = self.app.backend.config().data_dir.join("mail");
        eventually("the e-mail", async || {
            std::fs::read_dir(&dir).ok()?.find_map(|entry| {
                let text = std::fs::read_to_string(entry.ok()?.path()).ok()?;
                let text = text.replace("=\r\n", "").replace("=\n", "");
                if !text.contains(to) {
                    return None;
                }
                text.split_whitespace()
                    .find(|w| w.starts_with("eyJ") && w.matches('.').count() == 2)
                    .map(str::to_string)
            })
        })
        .await
    }

    /// Outbox events with `subject` (all when empty).
    async fn outbox(&self, subject: &str) -> usize {
        let events = self
            .app
            .backend
            .store()
            .outbox_events(0, 10_000)
            .await
            .unwrap();
        events
            .iter()
            .filter(|e| subject.is_empty() || e.subject == subject)
            .count()
    }

    async fn audit_rows(&self) -> usize {
        self.app
            .backend
            .store()
            .audit_page(0, 100_000)
            .await
            .unwrap()
            .len()
    }

    async fn payments(&self, licenses: &[String]) -> usize {
        let mut n = 0;
        for license in licenses {
            n += self
                .app
                .backend
                .store()
                .payments_of(license)
                .await
                .unwrap()
                .len();
        }
        n
    }
}

fn pro_monthly(seats: u32) -> Value {
    json!({ "company": "Globex", "email": "buyer@globex.example", "product": "chat",
        "plan": "chat-pro-monthly", "seats": seats, "success_url": "https://shop.example/thanks?s={CHECKOUT_SESSION_ID}" })
}

both_engines! {
    async fn a_paid_checkout_issues_one_license_with_its_payment_and_event(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (status, opened) = shop.checkout(&write, &pro_monthly(8)).await;
        assert_eq!(status, 201, "{opened}");
        assert_eq!(opened["status"], "pending");
        let session = opened["id"].as_str().unwrap().to_string();
        let url = opened["url"].as_str().unwrap().to_string();
        let created = shop.standin.object(&session).unwrap();
        assert_eq!(created["metadata"]["tessera_plan"], "chat-pro-monthly");
        let lines: Vec<Value> = shop.standin.requests().into_iter().map(Value::from).collect();
        assert!(lines.contains(&json!("POST /v1/checkout/sessions")), "{lines:?}");
        let back = shop.pay(&url).await;
        assert_eq!(back, format!("https://shop.example/thanks?s={session}"));
        let license_id = shop.license_of(&write, &session).await;
        let license = shop.app.backend.get_license(&license_id).await.unwrap();
        assert_eq!(license.plan.as_deref(), Some("chat-pro-monthly"));
        assert_eq!(license.company, "Globex");
        assert_eq!(license.claims.lic.seats["rooms"].pool, Some(8), "5 included + 3 extra seats");
        let sub_id = shop.standin.object(&session).unwrap()["subscription"].as_str().unwrap().to_string();
        let sub = shop.standin.object(&sub_id).unwrap();
        assert_eq!(license.expires_at, sub["items"]["data"][0]["current_period_end"].as_i64(), "the license runs to the paid period's end");
        // One payment (49.00 + 3 × 9.00), one outbox event, every delivered event answered 200.
        let payments = shop.app.backend.store().payments_of(&license_id).await.unwrap();
        assert_eq!(payments.len(), 1, "{payments:?}");
        assert_eq!((payments[0].amount, payments[0].currency.as_str()), (4900 + 3 * 900, "eur"));
        // The invoice's event (after the session's) adds the charge, for refunds.
        eventually("the invoice's charge", async || shop.app.backend.store().payments_of(&license_id).await.unwrap()[0].charge_id.clone()).await;
        assert_eq!(shop.outbox("tessera.license.issued").await, 1);
        let log = eventually("every delivery answered", async || {
            let log = shop.standin.event_log();
            log.iter().all(|e| e["deliveries"].as_array().is_some_and(|d| d.iter().any(|d| d["status"] == 200))).then_some(log)
        }).await;
        let kinds: Vec<&str> = log.iter().filter_map(|e| e["type"].as_str()).collect();
        assert!(kinds.contains(&"checkout.session.completed") && kinds.contains(&"invoice.payment_succeeded"), "{kinds:?}");
        assert_eq!(shop.app.backend.count_licenses().await.unwrap(), 1);
        // The buyer is e-mailed the token, the one whose hash the license keeps.
        let token = shop.mailed_token("buyer@globex.example").await;
        assert_eq!(tessera_backend::licenses::token_sha256(&token), license.token_sha256);
        // More seats at Stripe sign the license again with the larger pool.
        let extra = sub["items"]["data"].as_array().unwrap().iter()
            .find(|i| i["price"]["lookup_key"] == "chat-pro-monthly.extra_seat").unwrap()["id"].as_str().unwrap().to_string();
        let changed = bare_client().post(format!("{}v1/subscriptions/{sub_id}", shop.base)).bearer_auth("sk_test_shop")
            .form(&[("items[0][id]", extra.as_str()), ("items[0][quantity]", "6")]).send().await.unwrap();
        assert_eq!(changed.status(), 200);
        let resigned = eventually("the seat change", async || {
            let now = shop.app.backend.get_license(&license_id).await.unwrap();
            (now.claims.lic.seats["rooms"].pool == Some(11)).then_some(now)
        }).await;
        assert_ne!(resigned.token_sha256, license.token_sha256);
        assert_eq!(shop.app.backend.store().subscription_of(&license_id).await.unwrap().unwrap().seats, 11);
    }

    async fn replayed_and_reordered_events_issue_nothing_more(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        shop.pay(opened["url"].as_str().unwrap()).await;
        let license_id = shop.license_of(&write, &session).await;
        let before = shop.app.backend.get_license(&license_id).await.unwrap();
        let sub_id = shop.standin.object(&session).unwrap()["subscription"].as_str().unwrap().to_string();
        shop.standin.renew(&sub_id).unwrap();
        let renewed = eventually("the renewal", async || {
            let now = shop.app.backend.get_license(&license_id).await.unwrap();
            (now.expires_at > before.expires_at).then_some(now)
        }).await;
        assert_ne!(renewed.token_sha256, before.token_sha256, "signed again for the new period");
        let settled = async || {
            let log = shop.standin.event_log();
            log.iter().all(|e| e["deliveries"].as_array().is_some_and(|d| !d.is_empty())).then_some(())
        };
        eventually("the renewal's deliveries", settled).await;
        let ids = [license_id.clone()];
        let counts = async || (
            shop.app.backend.count_licenses().await.unwrap(),
            shop.payments(&ids).await,
            shop.outbox("").await,
            shop.audit_rows().await,
        );
        let settled_counts = counts().await;
        assert_eq!((settled_counts.0, settled_counts.1), (1, 2), "one license, two payments");
        // Every event five more times, in a shuffled order.
        let events = shop.standin.events();
        shop.standin.hold();
        for _ in 0..5 {
            for event in &events {
                shop.standin.redeliver(event["id"].as_str().unwrap());
            }
        }
        shop.standin.release(tessera_stripe_standin::Release::Shuffle);
        eventually("the replays answered", async || {
            let log = shop.standin.event_log();
            let answered: usize = log.iter().map(|e| e["deliveries"].as_array().map_or(0, |d| d.iter().filter(|d| d["status"] == 200).count())).sum();
            (answered >= events.len() * 6).then_some(())
        }).await;
        assert_eq!(counts().await, settled_counts, "replays wrote nothing");
        let after = shop.app.backend.get_license(&license_id).await.unwrap();
        assert_eq!(after.token_sha256, renewed.token_sha256);
    }

    async fn the_status_call_issues_when_the_webhook_is_late_and_the_webhook_then_does_nothing(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/checkout-sessions/{session}");
        let (_, pending) = shop.app.api_call(Method::GET, &path, &write, None).await;
        assert_eq!((pending["status"].as_str(), pending["license_id"].as_str()), (Some("pending"), None));
        shop.standin.hold();
        shop.pay(opened["url"].as_str().unwrap()).await;
        let (status, done) = shop.app.api_call(Method::GET, &path, &write, None).await;
        assert_eq!(status, 200);
        assert_eq!(done["status"], "completed", "{done}");
        let license_id = done["license_id"].as_str().unwrap().to_string();
        shop.standin.release(tessera_stripe_standin::Release::Reverse);
        eventually("the held events answered", async || {
            let log = shop.standin.event_log();
            log.iter().all(|e| e["deliveries"].as_array().is_some_and(|d| d.iter().any(|d| d["status"] == 200))).then_some(())
        }).await;
        assert_eq!(shop.app.backend.count_licenses().await.unwrap(), 1);
        let payments = shop.app.backend.store().payments_of(&license_id).await.unwrap();
        assert_eq!(payments.len(), 1, "{payments:?}");
        assert!(payments[0].charge_id.is_some(), "the late invoice event filled in the charge");
        assert_eq!(shop.outbox("tessera.license.issued").await, 1);
    }

    async fn a_failed_payment_marks_past_due_and_a_cancellation_lapses_without_renewing(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        shop.pay(opened["url"].as_str().unwrap()).await;
        let license_id = shop.license_of(&write, &session).await;
        let before = shop.app.backend.get_license(&license_id).await.unwrap();
        let sub = shop.standin.object(&session).unwrap()["subscription"].as_str().unwrap().to_string();
        let status = async || shop.app.backend.store().subscription_of(&license_id).await.unwrap().map(|s| s.status);
        eventually("the subscription recorded", async || status().await).await;

        shop.standin.fail_payment(&sub).unwrap();
        eventually("past due", async || (status().await.as_deref() == Some("past_due")).then_some(())).await;
        let after = shop.app.backend.get_license(&license_id).await.unwrap();
        assert_eq!((after.expires_at, &after.token_sha256), (before.expires_at, &before.token_sha256), "an unpaid period renews nothing");
        let trail = shop.app.backend.audit_trail(&Default::default(), None, 500).await.unwrap();
        assert!(trail.iter().any(|r| r.action == tessera_backend::store::AuditAction::SubscriptionChanged && r.subject == license_id));

        let cancelled = bare_client().delete(format!("{}v1/subscriptions/{sub}", shop.base)).bearer_auth("sk_test_shop").send().await.unwrap();
        assert_eq!(cancelled.status(), 200);
        eventually("cancelled", async || (status().await.as_deref() == Some("canceled")).then_some(())).await;
        let deleted = shop.standin.events().into_iter().find(|e| e["type"] == "customer.subscription.deleted").unwrap();
        let id = deleted["id"].as_str().unwrap().to_string();
        let outcome = eventually("the deletion handled", async || shop.app.backend.store().stripe_event(&id).await.unwrap().map(|e| e.outcome)).await;
        assert!(outcome.contains("lapses at its expiry"), "{outcome}");
        let lapsing = shop.app.backend.get_license(&license_id).await.unwrap();
        assert_eq!((lapsing.status, lapsing.expires_at), (before.status, before.expires_at), "it runs to its paid end");
    }

    async fn a_coupon_discounts_the_first_payment_and_counts_a_redemption(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let mut body = pro_monthly(5);
        body["coupon"] = json!("launch20");
        let (status, opened) = shop.checkout(&write, &body).await;
        assert_eq!(status, 201, "{opened}");
        assert_eq!(opened["coupon"], "LAUNCH20");
        let session = opened["id"].as_str().unwrap().to_string();
        let created = shop.standin.object(&session).unwrap();
        assert_eq!(created["amount_total"], 3920, "20 % off 49.00 at Stripe");
        let again = shop.checkout(&write, &body).await;
        assert_eq!(again.0, 201, "the Stripe coupon is made once and reused");
        let made = shop.standin.requests().iter().filter(|r| *r == "POST /v1/coupons").count();
        assert_eq!(made, 1);
        shop.pay(opened["url"].as_str().unwrap()).await;
        let license_id = shop.license_of(&write, &session).await;
        let payment = &shop.app.backend.store().payments_of(&license_id).await.unwrap()[0];
        assert_eq!(payment.amount, 3920);
        let catalog = shop.app.backend.catalog().await.unwrap();
        let coupon = catalog.coupons.iter().find(|c| c.spec.code == "LAUNCH20").unwrap();
        assert_eq!(coupon.redemptions, 1, "one paid checkout, one redemption (the unpaid one counts nothing)");
    }

    async fn the_first_invoice_issues_when_it_arrives_before_the_session(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        shop.standin.hold();
        shop.pay(opened["url"].as_str().unwrap()).await;
        shop.standin.release(tessera_stripe_standin::Release::Reverse);
        let events = shop.standin.events();
        let invoice = events.iter().find(|e| e["type"] == "invoice.payment_succeeded").unwrap()["id"].as_str().unwrap().to_string();
        let completed = events.iter().find(|e| e["type"] == "checkout.session.completed").unwrap()["id"].as_str().unwrap().to_string();
        let outcome = |id: String| async move {
            eventually("the event handled", async || shop.app.backend.store().stripe_event(&id).await.unwrap().map(|e| e.outcome)).await
        };
        assert!(outcome(invoice).await.starts_with("issued license"));
        assert!(outcome(completed).await.contains("was completed before"));
        assert_eq!(shop.app.backend.count_licenses().await.unwrap(), 1);
        let license_id = shop.license_of(&write, &session).await;
        let payments = shop.app.backend.store().payments_of(&license_id).await.unwrap();
        assert_eq!(payments.len(), 1, "{payments:?}");
        assert!(payments[0].charge_id.is_some());
    }

    async fn concurrent_deliveries_and_status_calls_issue_one_license(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        shop.standin.hold();
        shop.pay(opened["url"].as_str().unwrap()).await;
        let completed = shop.standin.events().into_iter().find(|e| e["type"] == "checkout.session.completed").unwrap().to_string();
        let signature = crate::stripe_support::stripe_node_sign(&[&completed], None).remove(0);
        let path = format!("/api/v1/checkout-sessions/{session}");
        let deliveries = (0..8).map(|_| shop.post_event(&completed, &signature));
        let calls = (0..4).map(|_| shop.app.api_call(Method::GET, &path, &write, None));
        let (delivered, asked) = tokio::join!(futures_util::future::join_all(deliveries), futures_util::future::join_all(calls));
        assert!(delivered.iter().all(|(status, _)| *status == 200), "{delivered:?}");
        assert!(asked.iter().all(|(status, _)| *status == 200), "{asked:?}");
        assert!(delivered.iter().filter(|(_, a)| a["handled_now"] == true).count() <= 1, "{delivered:?}");
        assert_eq!(shop.app.backend.count_licenses().await.unwrap(), 1);
        let license_id = shop.license_of(&write, &session).await;
        assert_eq!(shop.app.backend.store().payments_of(&license_id).await.unwrap().len(), 1);
        assert_eq!(shop.outbox("tessera.license.issued").await, 1);
    }

    async fn a_full_refund_ends_the_license_and_a_dispute_revokes_another(shop: &Shop) {
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let mut licenses = Vec::new();
        for _ in 0..2 {
            let (_, opened) = shop.checkout(&write, &pro_monthly(5)).await;
            let session = opened["id"].as_str().unwrap().to_string();
            shop.pay(opened["url"].as_str().unwrap()).await;
            licenses.push(shop.license_of(&write, &session).await);
        }
        let charge = |license: &str| {
            let license = license.to_string();
            async move {
                eventually("the charge", async || shop.app.backend.store().payments_of(&license).await.unwrap()[0].charge_id.clone()).await
            }
        };
        let refunded_charge = charge(&licenses[0]).await;
        let refund: Value = bare_client().post(format!("{}v1/refunds", shop.base)).bearer_auth("sk_test_shop")
            .form(&[("charge", refunded_charge.as_str())]).send().await.unwrap().json().await.unwrap();
        assert!(refund["id"].as_str().is_some_and(|id| id.starts_with("re_")), "{refund}");
        let refunded = eventually("the refund", async || {
            let l = shop.app.backend.get_license(&licenses[0]).await.unwrap();
            (l.status.to_string() == "refunded").then_some(l)
        }).await;
        assert!(refunded.revoke_reason.unwrap().contains(refund["id"].as_str().unwrap()));
        assert_eq!(shop.outbox("tessera.license.refunded").await, 1);
        let disputed_charge = charge(&licenses[1]).await;
        shop.standin.dispute(&disputed_charge).unwrap();
        eventually("the dispute", async || {
            let l = shop.app.backend.get_license(&licenses[1]).await.unwrap();
            (l.status.to_string() == "revoked").then_some(())
        }).await;
        let payments = shop.app.backend.store().payments_of(&licenses[1]).await.unwrap();
        assert_eq!(payments[0].status.to_string(), "disputed");
    }

    async fn at_the_free_tier_subscriptions_are_refused_and_one_off_plans_sell(free: &FreeShop) {
        let shop = &free.0;
        let write = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let (status, refused) = shop.checkout(&write, &pro_monthly(5)).await;
        assert_eq!((status, refused["error"].as_str()), (409, Some("cap_reached")), "{refused}");
        assert!(refused["message"].as_str().unwrap().contains("recurring_billing"), "{refused}");
        let lifetime = json!({ "company": "Umbrella", "email": "ops@umbrella.example", "product": "chat", "plan": "chat-enterprise-lifetime" });
        for (change, field) in [(json!({ "seats": 501 }), "seats"), (json!({ "coupon": "LAUNCH20" }), "coupon"),
            (json!({ "plan": "chat-gold" }), "plan"), (json!({ "email": "not-an-email" }), "email"), (json!({ "success_url": "javascript:alert(1)" }), "success_url")] {
            let mut body = lifetime.clone();
            body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
            let (status, answer) = shop.checkout(&write, &body).await;
            assert_eq!(status, 422, "{body}: {answer}");
            assert!(answer["message"].as_str().unwrap().starts_with(field), "{answer}");
        }
        let (status, opened) = shop.checkout(&write, &lifetime).await;
        assert_eq!(status, 201, "{opened}");
        let session = opened["id"].as_str().unwrap().to_string();
        shop.pay(opened["url"].as_str().unwrap()).await;
        let license = shop.app.backend.get_license(&shop.license_of(&write, &session).await).await.unwrap();
        assert_eq!((license.expires_at, license.kind.to_string().as_str()), (None, "perpetual"));
        assert_eq!(license.claims.lic.seats["rooms"].pool, Some(50));
        let payments = shop.app.backend.store().payments_of(&license.id).await.unwrap();
        assert_eq!((payments[0].amount, payments[0].source.as_str()), (990_000, session.as_str()));
    }
}

/// A vendor without a Tessera license of its own (the free Creator tier).
pub struct FreeShop(Shop);

impl FreeShop {
    async fn open(engine: tessera_backend::testing::Engine) -> Self {
        FreeShop(Shop::open_with(engine, false).await)
    }
}

impl tessera_backend::testing::Fixture for FreeShop {
    fn start(engine: tessera_backend::testing::Engine) -> impl std::future::Future<Output = Self> {
        FreeShop::open(engine)
    }
}
