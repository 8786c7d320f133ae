//! The outbox on both engines: every lifecycle change records exactly one event in its own
//! transaction, and the publisher hands them over in commit order, once, from one instance.

use std::sync::Mutex;

use serde_json::Value;
use tessera_backend::events::Published;
use tessera_backend::licenses::lifecycle::Transfer;
use tessera_backend::store::OutboxRow;
use tessera_backend::testing::TestDb;
use tessera_backend::{Backend, Error};
use tessera_events::{Sink, SinkError, Stored};

use crate::licenses::sample_request;
use tessera_backend::both_engines;

/// A broker stand-in: keeps what it is given (dropping repeats of an id, as JetStream does),
/// and can be told to fail.
#[derive(Debug, Default)]
struct Recorder {
    seen: Mutex<Vec<(String, String, Value)>>,
    down: Mutex<bool>,
}

#[async_trait::async_trait]
impl Sink for Recorder {
    async fn publish(&self, subject: &str, id: &str, payload: &[u8]) -> Result<Stored, SinkError> {
        if *self.down.lock().unwrap() {
            return Err(SinkError("broker down".into()));
        }
        let mut seen = self.seen.lock().unwrap();
        let duplicate = seen.iter().any(|(_, seen_id, _)| seen_id == id);
        if !duplicate {
            seen.push((
                subject.into(),
                id.into(),
                serde_json::from_slice(payload).unwrap(),
            ));
        }
        Ok(Stored {
            sequence: seen.len() as u64,
            duplicate,
        })
    }
}

async fn events(backend: &Backend) -> Vec<OutboxRow> {
    backend.store().outbox_events(0, 1_000).await.unwrap()
}

both_engines! {
    async fn every_lifecycle_change_records_one_event_in_its_own_transaction(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut request = sample_request();
        request.kind = tessera_license::LicenseKind::Subscription;
        request.expires_at = Some(tessera_backend::now() + 30 * 86_400);
        let issued = backend.issue_license(&request, "ops@vendor.example").await.unwrap();
        assert!(events(&backend).await.is_empty(), "manual issuance is silent");
        let id = issued.license.id.clone();

        let resent = backend.resend_license(&id, "api:crm").await.unwrap();
        let renewed_until = issued.claims.exp.unwrap() + 365 * 86_400;
        backend.renew_license(&id, renewed_until, "ops@vendor.example").await.unwrap();
        let to = Transfer {
            email: "it@new.example".into(),
            company: "New Owner".into(),
            tax_id: None,
            confirm_revocation: true,
            confirm_new_owner: true,
        };
        let moved = backend.transfer_license(&id, &to, "ops@vendor.example").await.unwrap();
        backend.revoke_license(&moved.license.id, "chargeback", "api:billing").await.unwrap();
        // A refused change records nothing.
        assert!(matches!(backend.revoke_license(&id, "again", "x").await, Err(Error::Conflict(_))));

        let rows = events(&backend).await;
        let subjects: Vec<&str> = rows.iter().map(|r| r.subject.as_str()).collect();
        assert_eq!(subjects, [
            "tessera.license.resent",
            "tessera.license.renewed",
            "tessera.license.transferred",
            "tessera.license.revoked",
        ]);
        let payloads: Vec<Value> = rows.iter().map(|r| serde_json::from_str(&r.payload).unwrap()).collect();
        for (row, payload) in rows.iter().zip(&payloads) {
            assert_eq!(payload["version"], 1);
            assert_eq!(payload["id"], row.id.as_str());
            assert_eq!(payload["type"].as_str().unwrap(), row.subject.trim_start_matches("tessera."));
            assert!(payload["occurred_at"].as_str().unwrap().ends_with('Z'));
            assert_eq!(payload["product"], "studio");
            assert!(payload["claims"]["lic"]["tier"].is_string());
            for token in [&issued.token, &resent.token, &moved.token] {
                assert!(!row.payload.contains(token.as_str()), "a token is in an event");
            }
        }
        assert_eq!((payloads[0]["license_id"].as_str(), payloads[0]["source"].as_str()), (Some(id.as_str()), Some("api")));
        assert_eq!(payloads[1]["details"]["expires_at"], renewed_until);
        assert_eq!(payloads[1]["claims"]["exp"], renewed_until, "the claims after the change");
        assert_eq!(payloads[1]["source"], "manual");
        assert_eq!(payloads[2]["details"]["to_license_id"], moved.license.id.as_str());
        assert_eq!(payloads[3]["license_id"], moved.license.id.as_str());
        assert_eq!(payloads[3]["details"]["reason"], "chargeback");
        assert_eq!(payloads[3]["customer"]["company"], "New Owner");
    }

    async fn the_publisher_keeps_commit_order_stops_at_a_failure_and_resumes_without_loss(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let issued = backend.issue_license(&sample_request(), "test").await.unwrap();
            backend.resend_license(&issued.license.id, "test").await.unwrap();
            ids.push(issued.license.id);
        }
        let broker = Recorder::default();
        *broker.down.lock().unwrap() = true;
        assert!(backend.publish_outbox(&broker, "a", 100).await.is_err());
        let backlog = backend.outbox_backlog().await.unwrap();
        assert_eq!(backlog.count, 3, "nothing is lost while the broker is down");
        assert!(backlog.oldest.is_some());
        assert_eq!(events(&backend).await[0].attempts, 1);

        *broker.down.lock().unwrap() = false;
        let done = backend.publish_outbox(&broker, "a", 2).await.unwrap();
        assert_eq!(done, Published { events: 2, duplicates: 0, standby: false });
        backend.publish_outbox(&broker, "a", 100).await.unwrap();
        let seen = broker.seen.lock().unwrap().clone();
        let order: Vec<&str> = seen.iter().map(|(_, _, p)| p["license_id"].as_str().unwrap()).collect();
        assert_eq!(order, ids.iter().map(String::as_str).collect::<Vec<_>>(), "commit order");
        assert_eq!(backend.outbox_backlog().await.unwrap().count, 0);

        // A crash between the broker's ack and the mark: the retry is a repeat the broker drops.
        db.sql(&["UPDATE outbox SET published_at = NULL"]).await;
        let again = backend.publish_outbox(&broker, "a", 100).await.unwrap();
        assert_eq!((again.events, again.duplicates), (3, 3));
        assert_eq!(broker.seen.lock().unwrap().len(), 3);
    }

    async fn one_instance_publishes_at_a_time_and_another_takes_over_when_it_stops(db: &TestDb) {
        let first = db.backend().await;
        first.generate_key(None, "test").await.unwrap();
        let second = db.backend().await;
        let issued = first.issue_license(&sample_request(), "test").await.unwrap();
        first.resend_license(&issued.license.id, "test").await.unwrap();
        let broker = Recorder::default();
        assert!(!first.publish_outbox(&broker, "first", 10).await.unwrap().standby);
        first.resend_license(&issued.license.id, "test").await.unwrap();
        let waiting = second.publish_outbox(&broker, "second", 10).await.unwrap();
        assert!(waiting.standby, "the lease is the first instance's");
        first.release_outbox_lease("first").await.unwrap();
        let took_over = second.publish_outbox(&broker, "second", 10).await.unwrap();
        assert_eq!((took_over.standby, took_over.events), (false, 1));
        assert_eq!(broker.seen.lock().unwrap().len(), 2);
    }
}
