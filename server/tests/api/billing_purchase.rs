//! Buying from `/billing` through the Stripe stand-in: the owner picks a plan and seats,
//! pays on the hosted page, comes back to "finishing your purchase" and then the license,
//! which is the org's; a trial converts without a gap; a failed payment shows the banner;
//! invoices, the card and the billing portal, where a cancellation shows the lapse date. A
//! storefront's purchase makes an org for its buyer.

use serde_json::json;
use tessera_license::vocab::{LicenseKind, LicenseStatus, Scope};

use crate::customers_support::{customer_cookie, get, org};
use crate::helpers::{bare_client, ORIGIN};
use crate::selling::eventually;
use crate::stripe_support::Shop;
use tessera_backend::both_engines;

both_engines! {
    async fn an_owner_buys_from_billing_and_the_license_is_the_orgs(shop: &Shop) {
        let app = &shop.app;
        let acme = org(app, "Acme GmbH", "owner@acme.example").await;
        let owner = customer_cookie(app, "owner@acme.example").await;
        let trial = app.post_form("/billing", &owner, &[("action", "trial"), ("org", "acme-gmbh"), ("product", "chat")]).await;
        assert_eq!(trial.status(), 303);
        let (_, page) = get(app, "/billing", &owner).await;
        assert!(page.contains("49.00 EUR / month") && page.contains("9.00 EUR per extra seat"), "prices before paying");
        let bought = app.post_form("/billing", &owner, &[("action", "buy"), ("org", "acme-gmbh"), ("product", "chat"), ("plan", "chat-pro-monthly"), ("seats", "7"), ("coupon", "")]).await;
        assert_eq!(bought.status(), 303);
        let pay_url = bought.headers()["location"].to_str().unwrap().to_string();
        assert!(pay_url.starts_with(&shop.base), "off to Stripe's hosted page: {pay_url}");
        let back = shop.pay(&pay_url).await;
        let back = back.strip_prefix(ORIGIN).unwrap_or(&back).to_string();
        assert!(back.starts_with("/billing?org=acme-gmbh&checkout=cs_"), "{back}");
        let page = eventually("the purchase finished", async || {
            let (status, page) = get(app, &back, &owner).await;
            assert_eq!(status, 200);
            page.contains("your purchase is complete").then_some(page)
        })
        .await;
        let licenses = app.backend.store().org_licenses(&acme.id).await.unwrap();
        let paid = licenses.iter().find(|l| l.kind == LicenseKind::Subscription).expect("the paid license is the org's");
        assert!(page.contains(&paid.id) && page.contains("Renews "), "{page}");
        assert_eq!(paid.claims.lic.seats.values().next().unwrap().pool, Some(7));
        // The trial converted without a gap: it still runs beside the paid license.
        let trial = licenses.iter().find(|l| l.kind == LicenseKind::Trial).unwrap();
        assert_eq!(trial.status, LicenseStatus::Active);
        assert!(page.contains("trial, converted"), "{page}");
        let trials = app.backend.store().org_trials(&acme.id).await.unwrap();
        assert!(trials[0].converted_at.is_some());
        // The org's Stripe customer is the one that paid, and the next checkout is theirs.
        let session = back.split("checkout=").nth(1).unwrap();
        let customer = shop.standin.object(session).unwrap()["customer"].as_str().unwrap().to_string();
        let acme = app.backend.store().org(&acme.id).await.unwrap().unwrap();
        assert_eq!(acme.stripe_customer_id.as_deref(), Some(customer.as_str()));
        let again = app.post_form("/billing", &owner, &[("action", "buy"), ("org", "acme-gmbh"), ("product", "chat"), ("plan", "chat-pro-yearly")]).await;
        let next = again.headers()["location"].to_str().unwrap();
        let next = next.rsplit('/').next().unwrap();
        assert_eq!(shop.standin.object(next).unwrap()["customer"], json!(customer));

        // A failed payment: the banner while Stripe retries.
        let sub = shop.standin.object(session).unwrap()["subscription"].as_str().unwrap().to_string();
        shop.standin.fail_payment(&sub).unwrap();
        eventually("the past-due banner", async || {
            get(app, "/billing", &owner).await.1.contains("data-testid=\"past-due\"").then_some(())
        })
        .await;
        // Invoices from Stripe with their PDFs, and the card of the last payment.
        let (_, page) = get(app, "/billing", &owner).await;
        let invoices = shop.app.backend.store().payments_of(&paid.id).await.unwrap();
        let invoice = shop.standin.object(&invoices[0].source).unwrap();
        let number = invoice["number"].as_str().unwrap();
        assert!(page.contains(number), "the invoice {number} is listed: {page}");
        assert!(page.contains("visa •••• 4242, expires 12/2034"), "the card");
        let pdf = format!("{}invoices/{}/pdf", shop.base, invoice["id"].as_str().unwrap());
        assert!(page.contains(&pdf), "its PDF link");
        let document = bare_client().get(&pdf).send().await.unwrap();
        assert_eq!(document.headers()["content-type"], "application/pdf");
        assert!(document.bytes().await.unwrap().starts_with(b"%PDF-"));
        // "Manage billing" opens Stripe's portal for the org's customer; cancelling there
        // shows the lapse date instead of the renewal.
        let portal = app.post_form("/billing", &owner, &[("action", "portal"), ("org", "acme-gmbh")]).await;
        assert_eq!(portal.status(), 303);
        let portal = portal.headers()["location"].to_str().unwrap().to_string();
        assert!(portal.starts_with(&format!("{}portal/", shop.base)), "{portal}");
        let shown = bare_client().get(&portal).send().await.unwrap().text().await.unwrap();
        assert!(shown.contains(&sub) && shown.contains("Cancel at period end"), "{shown}");
        let cancelled = bare_client().post(format!("{portal}/subscriptions/{sub}/cancel")).send().await.unwrap();
        assert!(cancelled.status().is_success() || cancelled.status().is_redirection());
        let end = paid.expires_at.unwrap();
        let when = chrono::DateTime::from_timestamp(end, 0).unwrap().format("Ends %Y-%m-%d %H:%M UTC").to_string();
        eventually("the lapse date", async || get(app, "/billing", &owner).await.1.contains(&when).then_some(())).await;
    }

    async fn only_an_owner_of_an_org_that_paid_opens_the_billing_portal(shop: &Shop) {
        let app = &shop.app;
        org(app, "Acme GmbH", "owner@acme.example").await;
        let owner = customer_cookie(app, "owner@acme.example").await;
        let (_, page) = get(app, "/billing", &owner).await;
        assert!(!page.contains("Manage billing") && page.contains("No invoices yet."));
        let refused = app.post_form("/billing", &owner, &[("action", "portal"), ("org", "acme-gmbh")]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("has bought nothing through Stripe yet"));
        app.db.sql(&["UPDATE orgs SET stripe_customer_id = 'cus_missing'"]).await;
        let invited = app.post_form("/billing", &owner, &[("action", "invite"), ("org", "acme-gmbh"), ("email", "reader@acme.example"), ("role", "member")]).await;
        assert_eq!(invited.status(), 303);
        let reader = customer_cookie(app, "reader@acme.example").await;
        let refused = app.post_form("/billing", &reader, &[("action", "portal"), ("org", "acme-gmbh")]).await;
        assert_eq!(refused.status(), 409);
        // A Stripe that does not know the customer leaves the page standing, and says so.
        let (status, page) = get(app, "/billing", &reader).await;
        assert_eq!(status, 200);
        assert!(page.contains("cannot be shown just now"), "{page}");
    }

    async fn a_storefront_purchase_makes_an_org_for_its_buyer(shop: &Shop) {
        let app = &shop.app;
        let token = app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let body = json!({ "company": "Initech", "email": "Bill@Initech.example", "product": "chat", "plan": "chat-pro-monthly" });
        let mut ids = Vec::new();
        for _ in 0..2 {
            let (status, opened) = app.api_post("/api/v1/checkout-sessions", Some(&token), &body).await;
            assert_eq!(status, 201, "{opened}");
            shop.pay(opened["url"].as_str().unwrap()).await;
            let path = format!("/api/v1/checkout-sessions/{}", opened["id"].as_str().unwrap());
            ids.push(eventually("the license", async || {
                let (_, view) = app.api_call(reqwest::Method::GET, &path, &token, None).await;
                view["license_id"].as_str().map(str::to_string)
            }).await);
        }
        // One org for the buyer, whichever purchase made it.
        let orgs = app.backend.orgs().await.unwrap();
        assert_eq!(orgs.len(), 1, "{orgs:?}");
        assert_eq!((orgs[0].slug.as_str(), orgs[0].billing_email.as_str(), orgs[0].licenses), ("initech", "bill@initech.example", 2));
        let (status, text) = app.api_get("/api/v1/groups/initech/licenses", &token).await;
        assert_eq!(status, 200);
        assert!(ids.iter().all(|id| text.contains(id.as_str())), "{text}");
        // The buyer signs in and sees both.
        let buyer = customer_cookie(app, "bill@initech.example").await;
        let (_, page) = get(app, "/billing", &buyer).await;
        assert!(ids.iter().all(|id| page.contains(id.as_str())));
    }
}
