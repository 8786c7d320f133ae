//! The webhook against Stripe payloads no one on this project wrote (`fixtures/stripe/`,
//! API versions from 2020 on; see its README), each signed by the official stripe-node SDK:
//! every one is handled (200) once and a redelivery does nothing; where Tessera has the
//! checkout, payment or subscription a payload names, it acts (issue, refund, past due,
//! lapse). Bad signatures, stale times, huge and broken bodies are refused.

use serde_json::{json, Value};
use tessera_backend::both_engines;
use tessera_backend::store::{
    AuditAction, AuditEvent, CheckoutRow, CheckoutStatus, CommerceWrite, PaymentRow, PaymentStatus,
    SubscriptionRow,
};
use tessera_license::vocab::LicenseStatus;

use crate::helpers::sample_license;
use crate::stripe_support::{stripe_node_sign, Shop};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stripe");

/// Every fixture as an event envelope (pay-rails files hold only `data`: wrapped here).
fn fixture_events() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.ends_with("openapi-fixtures3.json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if value.get("type").is_some() {
                // stripe-ruby-mock gives every fixture the same event id; Stripe never
                // would, so each gets its own here (the payload is otherwise as written).
                let mut value = value;
                value["id"] = json!(format!("evt_{}", name.replace(['.', '-'], "_")));
                return (name, value.to_string());
            }
            let kind = name.split("__").nth(1).unwrap().to_string();
            let kind = if kind.starts_with("subscription.") { format!("customer.{kind}") } else { kind };
            let event = json!({ "id": format!("evt_payrails_{}", kind.replace('.', "_")), "object": "event",
                "api_version": "2022-11-15", "created": 1_700_000_000, "type": kind, "data": value,
                "livemode": false, "pending_webhooks": 1, "request": { "id": null, "idempotency_key": null } });
            (name, event.to_string())
        })
        .collect()
}

impl Shop {
    /// A license Tessera issued by hand, for a fixture's payment or subscription to name.
    async fn license(&self) -> String {
        self.app
            .backend
            .issue_license(&sample_license(), "test")
            .await
            .unwrap()
            .license
            .id
    }

    async fn seed(&self, write: CommerceWrite) {
        self.app
            .backend
            .store()
            .apply_commerce(&write)
            .await
            .unwrap();
    }

    async fn payment(&self, charge: &str, amount: i64) -> String {
        let license = self.license().await;
        self.seed(CommerceWrite {
            payment: Some(PaymentRow {
                id: format!("pay_{charge}"),
                license_id: license.clone(),
                source: format!("in_{charge}"),
                charge_id: Some(charge.into()),
                payment_intent_id: None,
                amount,
                currency: "usd".into(),
                status: PaymentStatus::Paid,
                amount_refunded: 0,
                refund_id: None,
                product: "studio".into(),
                company: "Buyer Ltd".into(),
                email: "buyer@example.com".into(),
                paid_at: 1,
            }),
            ..CommerceWrite::default()
        })
        .await;
        license
    }

    /// A subscription Tessera knows, and Stripe's current copy of it (`status`): a real
    /// stand-in subscription's shape under the fixture's id.
    async fn subscription(&self, id: &str, status: &str, template: &Value) -> String {
        let license = self.license().await;
        self.seed(CommerceWrite {
            subscription: Some(SubscriptionRow {
                id: id.into(),
                license_id: license.clone(),
                checkout_id: None,
                customer_id: None,
                status: "active".into(),
                lookup_key: "chat-pro-monthly".into(),
                seats: 5,
                current_period_end: None,
                cancel_at_period_end: 0,
                ended_at: None,
                updated_at: 1,
            }),
            ..CommerceWrite::default()
        })
        .await;
        let mut copy = template.clone();
        copy["id"] = json!(id);
        copy["status"] = json!(status);
        self.standin.seed(copy).unwrap();
        license
    }
}

both_engines! {
    async fn every_shared_fixture_is_handled_once_and_acted_on_where_tessera_knows_it(shop: &Shop) {
        // A real stand-in subscription, for its shape.
        let token = shop.app.api_token(&[tessera_license::vocab::Scope::LicensesWrite]).await;
        let body = json!({ "company": "Initech", "email": "it@initech.example", "product": "chat", "plan": "chat-pro-monthly" });
        let (_, opened) = shop.app.api_call(reqwest::Method::POST, "/api/v1/checkout-sessions", &token, Some(&body)).await;
        let paid = shop.standin.pay(opened["id"].as_str().unwrap()).unwrap();
        let template = shop.standin.object(paid["subscription"].as_str().unwrap()).unwrap();
        // What the fixtures name.
        let catalog = shop.app.backend.catalog().await.unwrap();
        let chat = catalog.product("chat").unwrap();
        let plan = chat.plans.iter().find(|p| p.spec.lookup_key == "chat-pro-monthly").unwrap();
        let session = "cs_test_a1UejXx8ebIdTzFolicVypUAZpOBVkoQKDbaarXoPlPVtj8p0zujPEEhjT";
        let checkout = CheckoutRow { id: session.into(), reference: "chk_fixture".into(), product_id: chat.id.clone(),
            plan_id: plan.id.clone(), seats: 5, coupon_code: None, domains: "localhost".into(), company: "Pay Rails Inc".into(),
            email: "rails@example.com".into(), url: String::new(), status: CheckoutStatus::Pending, license_id: None,
            created_by: "test".into(), created_at: 1, completed_at: None, org_id: None };
        let audit = AuditEvent { at: 1, actor: "test".into(), action: AuditAction::CheckoutCreated, subject: session.into(), detail: json!({}) };
        shop.app.backend.store().insert_checkout(&checkout, &audit).await.unwrap();
        let mut active = template.clone();
        active["id"] = json!("sub_1LNkeSKXBGcbgpbZ7jMqOPSi");
        shop.standin.seed(active).unwrap();
        let disputed = shop.payment("ch_000000000000000000000000", 100).await;
        let partly = shop.payment("ch_chargeid", 1500).await;
        let past_due = shop.subscription("sub_1234", "past_due", &template).await;
        let lapsed = shop.subscription("sub_000000000000000000000000", "canceled", &template).await;

        let mut outcomes = std::collections::BTreeMap::new();
        for (name, payload) in fixture_events() {
            let (status, answer) = shop.deliver(&payload).await;
            assert_eq!(status, 200, "{name}: {answer}");
            assert_eq!(answer["handled_now"], true, "{name}: {answer}");
            let (status, again) = shop.deliver(&payload).await;
            assert_eq!((status, &again["handled_now"]), (200, &json!(false)), "{name}: a redelivery does nothing");
            outcomes.insert(name, answer["outcome"].as_str().unwrap().to_string());
        }
        let said = |name: &str| outcomes[name].clone();
        assert!(said("pay-rails__checkout.session.completed").starts_with("issued license"), "{outcomes:#?}");
        let issued = shop.app.backend.store().checkout(session).await.unwrap().unwrap();
        let license = shop.app.backend.get_license(issued.license_id.as_deref().unwrap()).await.unwrap();
        assert_eq!((license.company.as_str(), license.plan.as_deref()), ("Pay Rails Inc", Some("chat-pro-monthly")));
        assert!(said("stripe-ruby-mock__checkout.session.completed").contains("not a checkout Tessera opened"));
        // The dispute comes first (file order): it revokes; the refund then finds it disputed.
        assert_eq!(shop.app.backend.get_license(&disputed).await.unwrap().status, LicenseStatus::Revoked);
        assert!(said("stripe-ruby-mock__charge.dispute.created").contains("revoked"), "{outcomes:#?}");
        assert!(said("stripe-ruby-mock__charge.refunded").contains("disputed already"), "{outcomes:#?}");
        assert_eq!(shop.app.backend.get_license(&partly).await.unwrap().status, LicenseStatus::Active);
        assert!(said("pay-rails__charge.refunded").contains("partial refund of 500"), "{outcomes:#?}");
        assert!(said("pay-rails__invoice.payment_failed").contains("past_due"), "{outcomes:#?}");
        assert_eq!(shop.app.backend.store().subscription_of(&past_due).await.unwrap().unwrap().status, "past_due");
        assert!(said("stripe-ruby-mock__customer.subscription.deleted").contains("canceled"), "{outcomes:#?}");
        assert_eq!(shop.app.backend.store().subscription_of(&lapsed).await.unwrap().unwrap().status, "canceled");
        assert!(said("stripe-ruby-mock__invoice.payment_succeeded").contains("not for a subscription"), "{outcomes:#?}");
    }

    async fn bad_signatures_stale_times_and_hostile_bodies_are_refused_and_write_nothing(shop: &Shop) {
        let payload = json!({ "id": "evt_hostile", "type": "charge.refunded", "created": 1, "data": { "object": { "id": "ch_x" } } }).to_string();
        let good = stripe_node_sign(&[&payload], None).remove(0);
        let stale = stripe_node_sign(&[&payload], Some(chrono::Utc::now().timestamp() - 301)).remove(0);
        let other = good.replace("v1=", "v1=00");
        for (header, why) in [("", "no header"), (stale.as_str(), "stale"), (other.as_str(), "wrong"), ("t=abc,v1=zz", "malformed")] {
            let (status, answer) = shop.post_event(&payload, header).await;
            assert_eq!(status, 400, "{why}: {answer}");
            assert_eq!(answer["error"], "invalid_signature", "{why}");
        }
        let (status, _) = shop.post_event(&payload.replace("ch_x", "ch_y"), &good).await;
        assert_eq!(status, 400, "a changed body");
        assert!(shop.app.backend.store().stripe_event("evt_hostile").await.unwrap().is_none());
        let huge = format!("{{\"id\":\"evt_big\",\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let signed = stripe_node_sign(&[&huge], None).remove(0);
        let (status, _) = shop.post_event(&huge, &signed).await;
        assert_eq!(status, 413);
        for broken in ["not json", "{\"type\":\"x\"}", "[]"] {
            let (status, answer) = shop.deliver(broken).await;
            assert_eq!(status, 422, "{broken}: {answer}");
        }
        let (status, answer) = shop.deliver(&payload).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer["outcome"].as_str().unwrap().contains("not a payment Tessera recorded"));
        let unknown = json!({ "id": "evt_unknown", "type": "customer.created", "created": 1, "data": { "object": {} } }).to_string();
        let (status, answer) = shop.deliver(&unknown).await;
        assert_eq!((status, answer["handled_now"].clone()), (200, json!(true)));
        assert!(shop.app.backend.store().stripe_event("evt_unknown").await.unwrap().is_some(), "unknown types are recorded");
    }
}
