//! Webhook deliveries on both engines: one per enabled endpoint that wants the event, none
//! for a disabled endpoint, none twice when two instances fan out, and a lease on claims.

use tessera_backend::testing::TestDb;
use tessera_backend::Error;
use tessera_license::vocab::DeliveryStatus;

use crate::licenses::sample_request;
use tessera_backend::both_engines;

both_engines! {
    async fn events_fan_out_to_the_endpoints_that_want_them_once(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let all = backend.add_webhook("https://a.example/hook", &[], "ops").await.unwrap().endpoint.id;
        let revoked = backend.add_webhook("https://b.example/hook", &["license.revoked".into()], "ops").await.unwrap().endpoint.id;
        let off = backend.add_webhook("https://c.example/hook", &[], "ops").await.unwrap().endpoint.id;
        backend.set_webhook_enabled(&off, false, "ops").await.unwrap();
        assert!(matches!(backend.set_webhook_enabled("whe_missing", true, "ops").await, Err(Error::NotFound(_))));

        let issued = backend.issue_license(&sample_request(), "test").await.unwrap();
        backend.resend_license(&issued.license.id, "test").await.unwrap();
        backend.revoke_license(&issued.license.id, "x", "test").await.unwrap();
        let other = db.backend().await;
        let (a, b) = tokio::join!(backend.store().fan_out(tessera_backend::now(), 100), other.store().fan_out(tessera_backend::now(), 100));
        assert_eq!(a.unwrap() + b.unwrap(), 3, "two instances fan out once: 2 for a, 1 for b");
        assert_eq!(backend.webhook_deliveries(&all, 100).await.unwrap().len(), 2);
        let for_b = backend.webhook_deliveries(&revoked, 100).await.unwrap();
        assert_eq!(for_b.len(), 1);
        assert_eq!(for_b[0].status, DeliveryStatus::Pending);
        assert!(backend.webhook_deliveries(&off, 100).await.unwrap().is_empty(), "a disabled endpoint gets nothing");

        // Claimed deliveries are leased: a second claim in the lease gets none of them.
        let now = tessera_backend::now();
        let first = backend.store().claim_deliveries(now, now + 30, 100).await.unwrap();
        let second = other.store().claim_deliveries(now, now + 30, 100).await.unwrap();
        assert_eq!((first.len(), second.len()), (3, 0));
    }
}
