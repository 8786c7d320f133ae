use std::net::IpAddr;

use tessera_backend::heartbeat::HeartbeatRequest;
use tessera_backend::store::HeartbeatRecord;
use tessera_backend::testing::TestDb;
use tessera_backend::{Backend, Error};
use tessera_license::vocab::{AnomalyKind, HeartbeatStatus, LicenseStatus};

use crate::licenses::sample_request;
use tessera_backend::both_engines;

const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn beat(token: &str, install: &str) -> HeartbeatRequest {
    HeartbeatRequest {
        token: token.to_string(),
        install_id: install.to_string(),
        version: "2.4.1".into(),
        accepted_kids: vec!["k1".into()],
        fingerprint: Some("fp-1".into()),
        usage: None,
    }
}

async fn licensed(backend: &Backend) -> (String, String) {
    let issued = backend
        .issue_license(&sample_request(), "test")
        .await
        .unwrap();
    (issued.license.id, issued.token)
}

both_engines! {
    async fn a_heartbeat_is_recorded_and_answers_the_live_entitlements(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, token) = licensed(&backend).await;
        let answer = backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        assert_eq!((answer.status, answer.revoked, answer.license_id.as_str()), (HeartbeatStatus::Active, false, id.as_str()));
        assert!(answer.token.is_none(), "the current token needs no replacement");
        assert!(answer.entitlements.features.contains("sso"));
        backend.flush_heartbeats().await.unwrap();
        let detail = backend.license_detail(&id).await.unwrap();
        assert_eq!(detail.heartbeats.len(), 1);
        assert_eq!(detail.heartbeats[0].version, "2.4.1");
        assert_eq!(detail.heartbeats[0].kid.as_deref(), Some("k1"));
        assert_eq!(detail.installs[0].install_id, "inst-a");
        assert!(detail.license.last_heartbeat_at.is_some());
        assert!(detail.anomalies.is_empty());
    }

    async fn a_transfer_hands_the_new_token_to_installs_seen_before_it_and_to_no_one_else(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, old_token) = licensed(&backend).await;
        backend.heartbeat(&beat(&old_token, "inst-a"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let to = tessera_backend::licenses::lifecycle::Transfer {
            email: "new@owner.example.org".into(),
            company: "New Owner".into(),
            tax_id: None,
            confirm_revocation: true,
            confirm_new_owner: true,
        };
        let moved = backend.transfer_license(&id, &to, "test").await.unwrap();
        let answer = backend.heartbeat(&beat(&old_token, "inst-a"), IP).await.unwrap();
        assert_eq!((answer.status, answer.revoked), (HeartbeatStatus::Transferred, false));
        assert_eq!(answer.license_id, moved.license.id);
        assert_eq!(answer.token.as_deref(), Some(moved.token.as_str()));
        let stranger = backend.heartbeat(&beat(&old_token, "inst-new"), IP).await.unwrap();
        assert_eq!((stranger.status, stranger.revoked, stranger.token), (HeartbeatStatus::Transferred, true, None));
        backend.flush_heartbeats().await.unwrap();
        // The stranger is an anomaly; the install that moved with the license is not (the
        // second install also opens a multiple-installs anomaly).
        let ended: Vec<String> = backend.license_detail(&id).await.unwrap().anomalies.into_iter()
            .filter(|a| a.kind == AnomalyKind::RevokedToken)
            .map(|a| a.detail)
            .collect();
        assert_eq!(ended.len(), 1, "{ended:?}");
        assert!(ended[0].contains("inst-new"), "{ended:?}");
    }

    async fn a_token_replaced_by_a_resend_is_superseded_and_never_handed_the_new_one(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, old_token) = licensed(&backend).await;
        backend.heartbeat(&beat(&old_token, "inst-a"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let resent = backend.resend_license(&id, "test").await.unwrap();
        // Neither the install that used it before nor a stranger gets the new token.
        for install in ["inst-a", "inst-thief"] {
            let answer = backend.heartbeat(&beat(&old_token, install), IP).await.unwrap();
            assert_eq!(answer.status, HeartbeatStatus::Superseded, "{install}");
            assert!(answer.token.is_none(), "{install} was handed a token");
            assert!(answer.entitlements.features.is_empty(), "no live entitlements for a dead token");
        }
        backend.flush_heartbeats().await.unwrap();
        let anomalies = backend.license_detail(&id).await.unwrap().anomalies;
        assert!(anomalies.iter().any(|a| a.kind == AnomalyKind::SupersededToken), "{anomalies:?}");
        let current = backend.heartbeat(&beat(&resent.token, "inst-a"), IP).await.unwrap();
        assert_eq!(current.status, HeartbeatStatus::Active);
        assert!(current.token.is_none());
    }

    async fn a_renewed_token_goes_only_to_installs_seen_before_it_was_signed(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, old_token) = licensed(&backend).await;
        backend.heartbeat(&beat(&old_token, "inst-a"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        // A renewal re-signs the license the way a resend does, but the old token is not
        // suspect: recorded as renewed. inst-a was seen well before.
        let renewed = backend.resend_license(&id, "test").await.unwrap();
        db.sql(&[
            "UPDATE superseded_tokens SET reason = 'renewed'",
            "UPDATE installs SET first_seen = first_seen - 60",
        ])
        .await;
        let known = backend.heartbeat(&beat(&old_token, "inst-a"), IP).await.unwrap();
        assert_eq!(known.status, HeartbeatStatus::Active);
        assert_eq!(known.token.as_deref(), Some(renewed.token.as_str()));
        let stranger = backend.heartbeat(&beat(&old_token, "inst-new"), IP).await.unwrap();
        assert_eq!(stranger.status, HeartbeatStatus::Active);
        assert!(stranger.token.is_none(), "an install never seen before gets no newer token");
        backend.flush_heartbeats().await.unwrap();
        let anomalies = backend.license_detail(&id).await.unwrap().anomalies;
        assert!(anomalies.iter().any(|a| a.kind == AnomalyKind::UnknownInstall), "{anomalies:?}");
    }

    async fn control_characters_in_a_heartbeat_are_refused(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, token) = licensed(&backend).await;
        let mut nul = beat(&token, "inst-a");
        nul.version = "1.0\0".into();
        let mut escape = beat(&token, "inst-a");
        escape.fingerprint = Some("fp\u{1b}[31m".into());
        for bad in [nul, escape] {
            let refused = backend.heartbeat(&bad, IP).await.unwrap_err();
            assert!(matches!(&refused, Error::Invalid(m) if m.contains("control characters")), "{refused:?}");
        }
        backend.flush_heartbeats().await.unwrap();
        assert!(backend.license_detail(&id).await.unwrap().heartbeats.is_empty());
        // Searches refuse them too (PostgreSQL cannot compare a NUL), rather than fail.
        let query = tessera_backend::store::LicenseQuery { search: Some("a\0".into()), ..Default::default() };
        assert!(matches!(backend.list_licenses(query).await, Err(Error::Invalid(_))));
        let filter = tessera_backend::store::AuditFilter { actor: Some("\0".into()), ..Default::default() };
        assert!(matches!(backend.audit_trail(&filter, None, 10).await, Err(Error::Invalid(_))));
    }

    async fn a_second_install_within_a_day_is_an_anomaly_unless_a_window_is_open(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (shared, token) = licensed(&backend).await;
        backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        backend.heartbeat(&beat(&token, "inst-b"), IP).await.unwrap();
        backend.heartbeat(&beat(&token, "inst-c"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let anomalies = backend.license_detail(&shared).await.unwrap().anomalies;
        assert_eq!(anomalies.len(), 1, "one open anomaly per kind: {anomalies:?}");
        assert_eq!(anomalies[0].kind, AnomalyKind::MultipleInstalls);

        let (windowed, token) = licensed(&backend).await;
        backend.grant_multi_install_window(&windowed, "test").await.unwrap();
        backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        backend.heartbeat(&beat(&token, "inst-b"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let detail = backend.license_detail(&windowed).await.unwrap();
        assert!(detail.anomalies.is_empty());
        assert_eq!(detail.installs.len(), 2);
    }

    async fn a_revoked_license_answers_revoked_and_flags_the_use(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, token) = licensed(&backend).await;
        backend.revoke_license(&id, "refund", "test").await.unwrap();
        let answer = backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        assert_eq!((answer.status.as_str(), answer.revoked), ("revoked", true));
        assert!(answer.entitlements.features.is_empty() && answer.token.is_none());
        backend.flush_heartbeats().await.unwrap();
        let anomalies = backend.license_detail(&id).await.unwrap().anomalies;
        assert_eq!(anomalies[0].kind, AnomalyKind::RevokedToken);
    }

    async fn forged_tokens_and_bad_fields_are_refused(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (_, token) = licensed(&backend).await;
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        let err = backend.heartbeat(&beat(&forged, "inst-a"), IP).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.starts_with("token")), "{err}");
        let err = backend.heartbeat(&beat(&token, "bad id with spaces"), IP).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.starts_with("install_id")), "{err}");
    }

    async fn heartbeats_are_rate_limited_per_license(db: &TestDb) {
        let mut config = db.config();
        config.heartbeat_per_license_per_minute = 2;
        let backend = db.backend_with(config).await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (_, token) = licensed(&backend).await;
        let (_, other) = licensed(&backend).await;
        backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        let err = backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap_err();
        assert!(matches!(err, Error::RateLimited { retry_after_secs } if retry_after_secs >= 1));
        backend.heartbeat(&beat(&other, "inst-a"), IP).await.unwrap();
    }

    async fn old_heartbeats_roll_up_into_days(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, token) = licensed(&backend).await;
        let old = tessera_backend::now() - 100 * 86_400;
        for offset in [0, 60, 120] {
            let record = HeartbeatRecord {
                license_id: id.clone(), at: old + offset, install_id: "inst-a".into(), kid: None,
                version: "1.0".into(), ip: "10.0.0.1".into(), fingerprint: None, accepted_kids: vec![], usage: None,
            };
            backend.store().record_heartbeats(&[record]).await.unwrap();
        }
        backend.heartbeat(&beat(&token, "inst-a"), IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let report = backend.run_retention().await.unwrap();
        assert_eq!(report.rolled_up, 3);
        backend.flush_heartbeats().await.unwrap();
        let left = backend.store().recent_heartbeats(&id, 100).await.unwrap();
        assert_eq!(left.len(), 1, "recent heartbeats stay");
        assert_eq!(backend.run_retention().await.unwrap().rolled_up, 0);
    }

    async fn installs_are_paged_and_forgotten_after_90_days_unseen(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, _) = licensed(&backend).await;
        let now = tessera_backend::now();
        // 45 installs: 5 last seen 100 days ago, 40 seen today.
        let records: Vec<HeartbeatRecord> = (0..45)
            .map(|i| HeartbeatRecord {
                license_id: id.clone(), at: if i < 5 { now - 100 * 86_400 } else { now - i },
                install_id: format!("inst-{i:02}"), kid: None, version: "1.0".into(),
                ip: "10.0.0.1".into(), fingerprint: None, accepted_kids: vec![], usage: None,
            })
            .collect();
        backend.store().record_heartbeats(&records).await.unwrap();
        let first = backend.license_detail_page(&id, 0).await.unwrap();
        assert_eq!((first.installs.len(), first.installs_total), (20, 45));
        assert_eq!(first.installs[0].install_id, "inst-05", "most recently seen first");
        let last = backend.license_detail_page(&id, 2).await.unwrap();
        assert_eq!(last.installs.len(), 5);
        let report = backend.run_retention().await.unwrap();
        assert_eq!(report.installs_pruned, 5);
        let after = backend.license_detail(&id).await.unwrap();
        assert_eq!(after.installs_total, 40);
        assert!(after.installs.iter().all(|i| i.install_id.as_str() >= "inst-05"));
    }

    async fn key_adoption_counts_heartbeats_that_accept_a_kid(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        backend.generate_key(Some("k2"), "test").await.unwrap();
        let (_, token) = licensed(&backend).await;
        let mut hb = beat(&token, "inst-a");
        backend.heartbeat(&hb, IP).await.unwrap();
        hb.accepted_kids = vec!["k1".into(), "k2".into()];
        backend.heartbeat(&hb, IP).await.unwrap();
        backend.flush_heartbeats().await.unwrap();
        let adoption = backend.key_adoption().await.unwrap();
        let k2 = adoption.iter().find(|a| a.kid == "k2").unwrap();
        assert_eq!((k2.heartbeats, k2.accepting), (2, 1));
        assert_eq!(k2.share(), Some(0.5));
        let k1 = adoption.iter().find(|a| a.kid == "k1").unwrap();
        assert_eq!((k1.accepting, k1.live_licenses), (2, 1));
        let dashboard = backend.dashboard().await.unwrap();
        assert_eq!(dashboard.freshness.day, 1);
        assert_eq!(dashboard.issued_per_week.last().unwrap().n, 1);
    }
}

both_engines! {
    async fn concurrent_heartbeats_are_all_recorded(db: &TestDb) {
        let mut config = db.config();
        config.heartbeat_per_license_per_minute = 1_000;
        let backend = db.backend_with(config).await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (id, token) = licensed(&backend).await;
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let (backend, token) = (backend.clone(), token.clone());
            tasks.push(tokio::spawn(async move { backend.heartbeat(&beat(&token, "inst-a"), IP).await }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().status, HeartbeatStatus::Active);
        }
        backend.flush_heartbeats().await.unwrap();
        assert_eq!(backend.store().recent_heartbeats(&id, 100).await.unwrap().len(), 40);
    }
}

both_engines! {
    async fn concurrent_heartbeats_of_different_licenses_each_get_their_own_answer(db: &TestDb) {
        let mut config = db.config();
        config.heartbeat_per_license_per_minute = 1_000;
        let backend = db.backend_with(config).await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let (active, active_token) = licensed(&backend).await;
        let (revoked, revoked_token) = licensed(&backend).await;
        let (resent, old_token) = licensed(&backend).await;
        backend.revoke_license(&revoked, "chargeback", "test").await.unwrap();
        backend.resend_license(&resent, "test").await.unwrap();
        // Lookups made together are read together; each must still get its own license.
        let cases = [(active.clone(), active_token, HeartbeatStatus::Active, false), (revoked.clone(), revoked_token, HeartbeatStatus::Revoked, false), (resent.clone(), old_token, HeartbeatStatus::Superseded, false)];
        let mut tasks = Vec::new();
        for round in 0..10 {
            for (id, token, status, rotates) in cases.clone() {
                let backend = backend.clone();
                tasks.push(tokio::spawn(async move {
                    let answer = backend.heartbeat(&beat(&token, &format!("inst-{round}")), IP).await.unwrap();
                    assert_eq!((answer.license_id.as_str(), answer.status), (id.as_str(), status));
                    assert_eq!(answer.token.is_some(), rotates, "{id}");
                }));
            }
        }
        for task in tasks {
            task.await.unwrap();
        }
        let standings = backend.store().license_standings(&[active.as_str(), "lic_unknown", revoked.as_str()]).await.unwrap();
        let mut statuses: Vec<(String, LicenseStatus)> = standings.into_iter().map(|s| (s.id, s.status)).collect();
        statuses.sort();
        let mut expected = vec![(active, LicenseStatus::Active), (revoked, LicenseStatus::Revoked)];
        expected.sort();
        assert_eq!(statuses, expected, "unknown ids are left out, padding adds nothing");
    }
}
