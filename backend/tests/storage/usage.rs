//! The latest usage report of each license: written with its heartbeats, never replaced by an
//! older one, the latest of a batch winning whichever install sent it.

use tessera_backend::both_engines;
use tessera_backend::store::HeartbeatRecord;
use tessera_backend::testing::TestDb;

use crate::licenses::sample_request;

fn report(license_id: &str, install: &str, at: i64, rooms: i64) -> HeartbeatRecord {
    HeartbeatRecord {
        license_id: license_id.into(),
        at,
        install_id: install.into(),
        kid: None,
        version: "1.0".into(),
        ip: "10.0.0.1".into(),
        fingerprint: None,
        accepted_kids: vec![],
        usage: Some(format!(r#"{{"seats":{{}},"caps":{{"rooms":{rooms}}}}}"#)),
    }
}

both_engines! {
    async fn the_newest_report_of_a_license_is_kept(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let issued = backend.issue_license(&sample_request(), "test").await.unwrap();
        let id = issued.license.id;
        let org = backend.create_org("Acme", None, "owner@acme.example", "test").await.unwrap();
        db.sql(&[&format!("UPDATE licenses SET org_id = '{}' WHERE id = '{id}'", org.id)]).await;
        let store = backend.store();
        let kept = async || {
            let rows = store.org_usage(&org.id).await.unwrap();
            assert_eq!(rows.len(), 1);
            (rows[0].install_id.clone(), rows[0].usage.clone())
        };
        let now = tessera_backend::now();
        store.record_heartbeats(&[report(&id, "inst-a", now, 4)]).await.unwrap();
        assert_eq!(kept().await, ("inst-a".into(), r#"{"seats":{},"caps":{"rooms":4}}"#.into()));
        // A report that arrives late (sent before the one kept) changes nothing.
        store.record_heartbeats(&[report(&id, "inst-b", now - 100, 9)]).await.unwrap();
        assert_eq!(kept().await.0, "inst-a");
        // In one batch, the newest wins, whichever install sent it; a heartbeat without a
        // report leaves the report alone.
        let mut silent = report(&id, "inst-a", now + 3, 0);
        silent.usage = None;
        let batch = [report(&id, "inst-b", now + 2, 7), report(&id, "inst-a", now + 1, 5), silent];
        store.record_heartbeats(&batch).await.unwrap();
        assert_eq!(kept().await, ("inst-b".into(), r#"{"seats":{},"caps":{"rooms":7}}"#.into()));
    }
}
