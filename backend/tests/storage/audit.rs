use std::path::PathBuf;

use tessera_backend::audit::anchor::Anchor;
use tessera_backend::audit::{legacy_chain_hash, ChainKey, ChainStatus, RowFields, GENESIS};
use tessera_backend::auth::Role;
use tessera_backend::crypto::Kek;
use tessera_backend::store::{AuditAction, AuditEvent, AuditRecord, UserRow};
use tessera_backend::testing::TestDb;
use tessera_backend::{Backend, Config};

use tessera_backend::both_engines;

/// The KEK every instance in these tests shares, as instances sharing a database do.
const KEK: &str = "dGVzc2VyYSBhdWRpdCBjaGFpbiB0ZXN0IGtleSAzMiE=";

/// One instance over `db`: the shared KEK, and its own anchor file named `anchor`.
async fn instance(db: &TestDb, anchor: &str) -> Backend {
    let config = Config {
        audit_anchor: Some(anchor_path(db, anchor)),
        ..db.config()
    };
    Backend::from_parts(config, db.store().await, Kek::from_base64(KEK).unwrap()).unwrap()
}

fn anchor_path(db: &TestDb, anchor: &str) -> PathBuf {
    db.data_dir.join(anchor)
}

fn read_anchor(db: &TestDb, anchor: &str) -> Option<Anchor> {
    let key = ChainKey::from_kek(&Kek::from_base64(KEK).unwrap());
    Anchor::load(&anchor_path(db, anchor), &key).unwrap()
}

/// Appends `n` audit rows (one per generated key) through the backend.
async fn add_rows(backend: &Backend, from: usize, n: usize) {
    for i in from..from + n {
        backend
            .generate_key(Some(&format!("k{i}")), "alice")
            .await
            .unwrap();
    }
}

async fn rows(backend: &Backend) -> Vec<AuditRecord> {
    backend.store().audit_page(0, 1000).await.unwrap()
}

/// Runs statements the way someone with only database access would.
async fn sql(db: &TestDb, statements: &[String]) {
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    db.sql(&statements).await;
}

fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn set_head(seq: i64, hash: &str) -> String {
    format!(
        "UPDATE audit_head SET seq = {seq}, hash = {} WHERE id = 1",
        text(hash)
    )
}

/// Statements that rewrite `rows` from `from` on with plain SHA-256, as an attacker without
/// the KEK can, after `edit` changed what they wanted; `audit_head` follows.
fn rehash_without_key(
    mut rows: Vec<AuditRecord>,
    from: i64,
    edit: impl Fn(&mut AuditRecord),
) -> Vec<String> {
    let mut statements = Vec::new();
    let mut prev = GENESIS.to_string();
    for row in &mut rows {
        if row.seq >= from {
            edit(row);
            row.prev_hash.clone_from(&prev);
            row.hash = legacy_chain_hash(&RowFields::of(row));
            statements.push(format!(
                "UPDATE audit_log SET detail = {}, prev_hash = {}, hash = {} WHERE seq = {}",
                text(&row.detail),
                text(&row.prev_hash),
                text(&row.hash),
                row.seq
            ));
        }
        prev.clone_from(&row.hash);
    }
    let last = rows.last().unwrap();
    statements.push(set_head(last.seq, &last.hash));
    statements
}

/// Statements that append `n` rows hashed the way Tessera did before the chain was keyed.
fn legacy_appends(after: Option<&AuditRecord>, n: i64) -> Vec<String> {
    let (mut seq, mut prev) = after.map_or((0, GENESIS.to_string()), |r| (r.seq, r.hash.clone()));
    let mut statements = Vec::new();
    for _ in 0..n {
        seq += 1;
        let mut row = AuditRecord {
            seq,
            at: 1_700_000_000 + seq,
            actor: "cli:old".into(),
            action: AuditAction::UserCreated,
            subject: format!("u{seq}"),
            detail: "{}".into(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        row.hash = legacy_chain_hash(&RowFields::of(&row));
        statements.push(format!(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
             VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
            row.seq,
            row.at,
            text(&row.actor),
            text(row.action.as_str()),
            text(&row.subject),
            text(&row.detail),
            text(&row.prev_hash),
            text(&row.hash)
        ));
        prev = row.hash;
    }
    statements.push(set_head(seq, &prev));
    statements
}

fn broken(status: ChainStatus) -> (i64, String) {
    match status {
        ChainStatus::Broken { seq, reason } => (seq, reason),
        intact => panic!("expected a broken chain, got {intact:?}"),
    }
}

both_engines! {
    async fn every_change_is_chained_and_rewriting_a_detail_names_that_row(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "alice").await.unwrap();
        backend.create_user("v@example.com", Role::Viewer, None, "alice").await.unwrap();
        backend.issue_license(&crate::licenses::sample_request(), "alice").await.unwrap();
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 3 });
        let rows = rows(&backend).await;
        let actions: Vec<_> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["key.generated", "user.created", "license.issued"]);
        assert_eq!(rows[1].prev_hash, rows[0].hash);

        sql(db, &[r#"UPDATE audit_log SET detail = '{"role":"sysadmin"}' WHERE seq = 2"#.into()]).await;
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 2);
        assert!(reason.contains("content changed"), "{reason}");
    }

    async fn an_intact_chain_anchors_its_newest_row_outside_the_database(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 3).await;
        assert_eq!(read_anchor(db, "a.anchor"), None);
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 3 });
        let newest = rows(&backend).await.pop().unwrap();
        assert_eq!(
            read_anchor(db, "a.anchor"),
            Some(Anchor { seq: 3, hash: newest.hash, keyed_from: Some(1) })
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(anchor_path(db, "a.anchor")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    async fn deleting_rows_in_the_middle_is_detected(db: &TestDb) {
        let backend = db.backend().await;
        add_rows(&backend, 0, 5).await;
        sql(db, &["DELETE FROM audit_log WHERE seq IN (2, 3)".into()]).await;
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 2);
        assert!(reason.contains("missing"), "{reason}");
    }

    async fn deleting_the_newest_rows_and_rewinding_the_head_is_caught_by_the_anchor(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 5).await;
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 5 });
        let third = rows(&backend).await.swap_remove(2);
        sql(db, &["DELETE FROM audit_log WHERE seq > 3".into(), set_head(3, &third.hash)]).await;

        // The database alone now looks consistent: an instance that never saw rows 4-5 agrees.
        let newcomer = instance(db, "b.anchor").await;
        assert_eq!(newcomer.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 3 });
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 4);
        assert!(reason.contains("truncated below the anchored head at seq 5"), "{reason}");
    }

    async fn rehashing_rows_without_the_key_is_detected(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 4).await;
        let forge = |row: &mut AuditRecord| {
            if row.seq == 2 {
                row.detail = r#"{"forged":true}"#.into();
            }
        };
        // From row 2 on: row 1 is keyed, so a plain SHA-256 row after it gives the forgery
        // away even to an instance with no anchor yet.
        sql(db, &rehash_without_key(rows(&backend).await, 2, forge)).await;
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 2);
        assert!(reason.contains("legacy row after keyed rows"), "{reason}");
    }

    async fn rehashing_the_whole_chain_without_the_key_is_caught_by_the_anchor(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 4).await;
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 4 });
        let forged = rehash_without_key(rows(&backend).await, 1, |row| {
            if row.seq == 2 {
                row.detail = r#"{"forged":true}"#.into();
            }
        });
        sql(db, &forged).await;
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 1);
        assert!(reason.contains("keyed rows began at row 1"), "{reason}");
    }

    async fn an_upgraded_database_keeps_its_legacy_rows_only_as_a_prefix(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        sql(db, &legacy_appends(None, 3)).await;
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 3 });
        assert_eq!(read_anchor(db, "a.anchor").unwrap().keyed_from, None);

        add_rows(&backend, 0, 2).await;
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 5 });
        assert_eq!(read_anchor(db, "a.anchor").unwrap().keyed_from, Some(4));

        let newest = rows(&backend).await.pop().unwrap();
        sql(db, &legacy_appends(Some(&newest), 1)).await;
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 6);
        assert!(reason.contains("legacy row after keyed rows"), "{reason}");
    }

    async fn legacy_rows_are_refused_where_the_anchor_says_keyed_rows_began(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        sql(db, &legacy_appends(None, 2)).await;
        add_rows(&backend, 0, 2).await;
        assert_eq!(backend.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 4 });
        // Replace the keyed rows with legacy ones: the chain then reads like an old database.
        let second = rows(&backend).await.swap_remove(1);
        let mut forged = vec!["DELETE FROM audit_log WHERE seq > 2".to_string()];
        forged.extend(legacy_appends(Some(&second), 3));
        sql(db, &forged).await;

        let newcomer = instance(db, "b.anchor").await;
        assert_eq!(newcomer.verify_audit_chain().await.unwrap(), ChainStatus::Intact { rows: 5 });
        let (seq, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert_eq!(seq, 3);
        assert!(reason.contains("keyed rows began at row 3"), "{reason}");
    }

    async fn a_tampered_anchor_file_is_reported(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 3).await;
        backend.verify_audit_chain().await.unwrap();
        let path = anchor_path(db, "a.anchor");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"seq\":3", "\"seq\":2")).unwrap();
        let (_, reason) = broken(backend.verify_audit_chain().await.unwrap());
        assert!(reason.contains("anchor file tampered"), "{reason}");
    }

    async fn the_incremental_check_sees_new_rows_and_a_change_to_the_last_checked_row(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 3).await;
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 3 });
        add_rows(&backend, 3, 2).await;
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 5 });
        assert_eq!(read_anchor(db, "a.anchor").unwrap().seq, 5);

        sql(db, &[r#"UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = 5"#.into()]).await;
        let (seq, reason) = broken(backend.audit_chain_status().await.unwrap());
        assert_eq!(seq, 5);
        assert!(reason.contains("changed after the row was verified"), "{reason}");
    }

    async fn the_incremental_check_hashes_rows_added_since_the_last_check(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 2).await;
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 2 });
        add_rows(&backend, 2, 3).await;
        sql(db, &[r#"UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = 4"#.into()]).await;
        let (seq, reason) = broken(backend.audit_chain_status().await.unwrap());
        assert_eq!(seq, 4);
        assert!(reason.contains("content changed"), "{reason}");
    }

    async fn the_incremental_check_notices_a_chain_that_got_shorter(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 4).await;
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 4 });
        let third = rows(&backend).await.swap_remove(2);
        sql(db, &["DELETE FROM audit_log WHERE seq = 4".into(), set_head(3, &third.hash)]).await;
        let (seq, reason) = broken(backend.audit_chain_status().await.unwrap());
        assert_eq!(seq, 4);
        assert!(reason.contains("shorter"), "{reason}");
    }

    async fn older_rows_are_left_to_the_full_walk_whose_verdict_pages_then_show(db: &TestDb) {
        let backend = instance(db, "a.anchor").await;
        add_rows(&backend, 0, 4).await;
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 4 });
        sql(db, &[r#"UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = 1"#.into()]).await;
        // A page view re-hashes only the last verified row, not the whole log.
        assert_eq!(backend.audit_chain_status().await.unwrap(), ChainStatus::Intact { rows: 4 });
        let full = backend.verify_audit_chain().await.unwrap();
        assert_eq!(broken(full.clone()).0, 1);
        assert_eq!(backend.audit_chain_status().await.unwrap(), full);
    }

    async fn a_store_without_a_chain_key_refuses_to_append_audit_rows(db: &TestDb) {
        let store = db.store().await;
        let user = UserRow {
            id: "u1".into(),
            email: "v@example.com".into(),
            role: Role::Viewer,
            password_hash: "$argon2id$unused".into(),
            created_at: 1_700_000_000,
            disabled_at: None,
            must_change_password: false,
        };
        let event = AuditEvent {
            at: 1_700_000_000,
            actor: "alice".into(),
            action: AuditAction::UserCreated,
            subject: "u1".into(),
            detail: serde_json::json!({}),
        };
        let err = store.insert_user(&user, &event).await.unwrap_err();
        assert!(err.to_string().contains("no audit chain key"), "{err}");
        assert_eq!(store.count_users().await.unwrap(), 0, "the change was rolled back");
        assert!(store.audit_page(0, 10).await.unwrap().is_empty());
    }

    async fn a_store_keeps_the_chain_key_it_was_given_first(db: &TestDb) {
        let store = db.store().await;
        Backend::from_parts(db.config(), store.clone(), Kek::from_base64(KEK).unwrap()).unwrap();
        Backend::from_parts(db.config(), store.clone(), Kek::from_base64(KEK).unwrap()).unwrap();
        assert!(Backend::from_parts(db.config(), store, Kek::generate()).is_err());
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
