//! A purchase reaching the customer's self-hosted install: the token e-mailed after the
//! checkout is installed and heartbeats; a renewal paid at Stripe rotates into the install at
//! its next heartbeat; a refund revokes it at the next one after that.

use reqwest::Method;
use serde_json::json;
use tessera_backend::both_engines;
use tessera_license::vocab::{Scope, StateName};

use crate::selling::eventually;
use crate::stripe_support::Shop;

both_engines! {
    async fn a_bought_license_runs_an_install_renews_into_it_and_a_refund_revokes_it(shop: &Shop) {
        let token = shop.app.api_token(&[Scope::LicensesWrite, Scope::LicensesRead]).await;
        let body = json!({ "company": "Umbrella", "email": "it@umbrella.example", "product": "chat", "plan": "chat-pro-monthly" });
        let (_, opened) = shop.app.api_call(Method::POST, "/api/v1/checkout-sessions", &token, Some(&body)).await;
        let session = opened["id"].as_str().unwrap().to_string();
        shop.standin.pay(&session).unwrap();
        let (_, done) = shop.app.api_call(Method::GET, &format!("/api/v1/checkout-sessions/{session}"), &token, None).await;
        let license_id = done["license_id"].as_str().unwrap().to_string();
        let mailed = shop.mailed_token("it@umbrella.example").await;

        let (_db, install, _jwks) = shop.app.install_of("acme-chat").await;
        install.install_license(&mailed, "operator").await.unwrap();
        let first = install.heartbeat_vendor().await.unwrap();
        assert_eq!(first.state, StateName::Active);
        let paid_until = first.claims.as_ref().unwrap().exp.unwrap();
        shop.app.backend.flush_heartbeats().await.unwrap();
        // The install has run for a day (the vendor hands a renewed token only to installs
        // seen before it was signed, to the second).
        shop.app.db.sql(&[&format!("UPDATE installs SET first_seen = first_seen - 86400 WHERE license_id = '{license_id}'")]).await;

        // Stripe renews the subscription: the license is signed again, and the install,
        // which used it before, is handed the new token at its next heartbeat.
        let sub = shop.standin.object(&session).unwrap()["subscription"].as_str().unwrap().to_string();
        shop.standin.renew(&sub).unwrap();
        let renewed = eventually("the renewal", async || {
            let l = shop.app.backend.get_license(&license_id).await.unwrap();
            l.expires_at.filter(|exp| *exp > paid_until)
        }).await;
        let rotated = install.heartbeat_vendor().await.unwrap();
        assert_eq!(rotated.claims.as_ref().unwrap().exp, Some(renewed), "the renewed token rotated in");
        assert_eq!(rotated.state, StateName::Active);

        // Refunded at the vendor: the install is revoked at its next heartbeat.
        eventually("the charge", async || shop.app.backend.store().payments_of(&license_id).await.unwrap()[0].charge_id.clone()).await;
        let (status, _) = shop.app.api_call(Method::POST, &format!("/api/v1/licenses/{license_id}/refund"), &token, Some(&json!({}))).await;
        assert_eq!(status, 200);
        let revoked = install.heartbeat_vendor().await.unwrap();
        assert_eq!(revoked.state, StateName::Revoked);
    }
}
