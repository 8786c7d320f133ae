use tessera_backend::audit::ChainStatus;
use tessera_backend::auth::Role;
use tessera_backend::testing::{Engine, TestDb};

use crate::both_engines;

both_engines! {
    async fn every_change_is_chained_and_tampering_is_detected(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "alice").await.unwrap();
        backend.create_user("v@example.com", Role::Viewer, None, "alice").await.unwrap();
        backend.issue_license(&crate::licenses::sample_request(), "alice").await.unwrap();
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 3 });
        let rows = backend.store().audit_page(0, 10).await.unwrap();
        let actions: Vec<_> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["key.generated", "user.created", "license.issued"]);
        assert_eq!(rows[1].prev_hash, rows[0].hash);

        let sql = "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2";
        match db.engine() {
            Engine::Sqlite => { sqlx::query(sql).execute(&sqlx::SqlitePool::connect(&db.url).await.unwrap()).await.unwrap(); }
            Engine::Postgres => { sqlx::query(sql).execute(&sqlx::PgPool::connect(&db.url).await.unwrap()).await.unwrap(); }
        }
        let broken = backend.verify_audit_chain().await.unwrap();
        assert!(matches!(broken, ChainStatus::Broken { seq: 2, .. }), "{broken:?}");
    }

    async fn concurrent_writers_keep_one_unbroken_chain(db: &TestDb) {
        let backend = db.backend().await;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let backend = backend.clone();
            tasks.push(tokio::spawn(async move {
                backend.generate_key(Some(&format!("k{i}")), "test").await.unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 8 });
    }
}
