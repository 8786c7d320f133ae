use secrecy::{ExposeSecret as _, SecretString};
use tessera_backend::auth::{NewSession, Role};
use tessera_backend::store::AuditAction;
use tessera_backend::testing::TestDb;
use tessera_backend::{Backend, Error};

use tessera_backend::both_engines;

const IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 10));

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

const PASS: &str = "a long passphrase";

/// Creates a user with the password [`PASS`]; answers its id.
async fn user(backend: &Backend, email: &str, role: Role) -> String {
    backend
        .create_user(email, role, Some(secret(PASS)), "test")
        .await
        .unwrap()
        .user
        .id
}

async fn sign_in(backend: &Backend, email: &str, password: &str) -> NewSession {
    backend.login(email, &secret(password), IP).await.unwrap()
}

fn cookie(session: &NewSession) -> String {
    session.cookie_value.expose_secret().to_string()
}

/// Whether the session behind `cookie` is still open.
async fn open(backend: &Backend, cookie: &str) -> bool {
    backend.session_user(cookie).await.unwrap().is_some()
}

async fn sysadmins(backend: &Backend) -> Vec<String> {
    let users = backend.list_users().await.unwrap();
    users
        .into_iter()
        .filter(|u| u.role == Role::Sysadmin && !u.disabled)
        .map(|u| u.email)
        .collect()
}

both_engines! {
    async fn a_user_signs_in_with_the_right_password_only(db: &TestDb) {
        let backend = db.backend().await;
        backend.create_user("op@example.com", Role::Operator, Some(secret("a long passphrase")), "test").await.unwrap();
        assert!(matches!(backend.login("op@example.com", &secret("wrong passphrase!"), IP).await, Err(Error::Unauthorized)));
        assert!(matches!(backend.login("nobody@example.com", &secret("a long passphrase"), IP).await, Err(Error::Unauthorized)));
        let session = backend.login("OP@example.com", &secret("a long passphrase"), IP).await.unwrap();
        assert_eq!(session.user.role, Role::Operator);
        let cookie = session.cookie_value.expose_secret().to_string();
        let user = backend.session_user(&cookie).await.unwrap().unwrap();
        assert_eq!(user.email, "op@example.com");
        backend.logout(&cookie).await.unwrap();
        assert_eq!(backend.session_user(&cookie).await.unwrap(), None);
        assert_eq!(backend.session_user("forged-cookie").await.unwrap(), None);
    }

    async fn a_taken_email_is_a_conflict(db: &TestDb) {
        let backend = db.backend().await;
        backend.create_user("a@example.com", Role::Viewer, None, "test").await.unwrap();
        let err = backend.create_user("a@example.com", Role::Sysadmin, None, "test").await.unwrap_err();
        assert!(matches!(err, Error::Conflict(ref m) if m.contains("a@example.com")), "{err}");
    }

    async fn a_generated_password_is_returned_once_and_stored_only_hashed(db: &TestDb) {
        let backend = db.backend().await;
        let created = backend.create_user("gen@example.com", Role::Sysadmin, None, "test").await.unwrap();
        let password = created.generated_password.unwrap();
        assert!(password.expose_secret().len() >= 20);
        let row = backend.store().find_user_by_email("gen@example.com").await.unwrap().unwrap();
        assert!(row.password_hash.starts_with("$argon2id$"));
        assert!(!row.password_hash.contains(password.expose_secret()));
        backend.login("gen@example.com", &password, IP).await.unwrap();
    }

    async fn short_passwords_and_bad_emails_are_refused(db: &TestDb) {
        let backend = db.backend().await;
        let short = backend.create_user("s@example.com", Role::Viewer, Some(secret("short")), "test").await.unwrap_err();
        assert!(matches!(short, Error::Invalid(ref m) if m.contains("12 characters")));
        let email = backend.create_user("nope", Role::Viewer, None, "test").await.unwrap_err();
        assert!(matches!(email, Error::Invalid(_)));
        assert_eq!(backend.store().count_users().await.unwrap(), 0);
    }

    async fn the_first_start_creates_a_key_and_an_admin_once(db: &TestDb) {
        let backend = db.backend().await;
        let first = backend.bootstrap().await.unwrap();
        let tessera_backend::bootstrap::FirstAdmin { email, password } = first.admin.unwrap();
        assert!(first.created_key.is_some());
        let session = backend.login(&email, &password, IP).await.unwrap();
        assert_eq!(session.user.role, Role::Sysadmin);
        assert!(session.user.must_change_password, "the generated admin password must be changed");
        let second = backend.bootstrap().await.unwrap();
        assert!(second.admin.is_none() && second.created_key.is_none());
    }

    async fn a_generated_password_must_be_changed_and_the_change_ends_other_sessions(db: &TestDb) {
        let backend = db.backend().await;
        let created = backend.create_user("gen@example.com", Role::Operator, None, "test").await.unwrap();
        assert!(created.user.must_change_password);
        let generated = created.generated_password.unwrap().expose_secret().to_string();
        let here = sign_in(&backend, "gen@example.com", &generated).await;
        assert!(here.user.must_change_password);
        let elsewhere = sign_in(&backend, "gen@example.com", &generated).await;
        let (here_cookie, elsewhere_cookie) = (cookie(&here), cookie(&elsewhere));
        let new = secret("my own new passphrase");

        let wrong = backend
            .change_own_password(&here.user, &secret("not the current one"), &new, Some(&here_cookie), IP)
            .await
            .unwrap_err();
        assert!(matches!(wrong, Error::Invalid(ref m) if m.contains("current password")), "{wrong}");
        let short = backend
            .change_own_password(&here.user, &secret(&generated), &secret("short"), Some(&here_cookie), IP)
            .await
            .unwrap_err();
        assert!(matches!(short, Error::Invalid(ref m) if m.contains("12 characters")), "{short}");
        let same = backend
            .change_own_password(&here.user, &secret(&generated), &secret(&generated), Some(&here_cookie), IP)
            .await
            .unwrap_err();
        assert!(matches!(same, Error::Invalid(_)), "{same}");
        // Nothing changed by the refusals.
        assert!(backend.session_user(&elsewhere_cookie).await.unwrap().unwrap().must_change_password);

        backend
            .change_own_password(&here.user, &secret(&generated), &new, Some(&here_cookie), IP)
            .await
            .unwrap();
        let still = backend.session_user(&here_cookie).await.unwrap().expect("this session stays");
        assert!(!still.must_change_password);
        assert!(!open(&backend, &elsewhere_cookie).await, "other sessions end");
        assert!(matches!(backend.login("gen@example.com", &secret(&generated), IP).await, Err(Error::Unauthorized)));
        let again = sign_in(&backend, "gen@example.com", "my own new passphrase").await;
        assert!(!again.user.must_change_password);
    }

    async fn disabling_ends_sessions_at_once_and_refuses_sign_in_until_enabled(db: &TestDb) {
        let backend = db.backend().await;
        user(&backend, "admin@example.com", Role::Sysadmin).await;
        let op = user(&backend, "op@example.com", Role::Operator).await;
        let other = cookie(&sign_in(&backend, "admin@example.com", PASS).await);
        let sessions = [
            cookie(&sign_in(&backend, "op@example.com", PASS).await),
            cookie(&sign_in(&backend, "op@example.com", PASS).await),
        ];

        let info = backend.set_user_disabled(&op, true, "test").await.unwrap();
        assert!(info.disabled);
        assert!(backend.user_by_email("op@example.com").await.unwrap().disabled);
        for session in &sessions {
            assert!(!open(&backend, session).await, "a disabled user's sessions end at once");
        }
        assert!(open(&backend, &other).await, "other users' sessions stay");
        assert!(matches!(backend.login("op@example.com", &secret(PASS), IP).await, Err(Error::Unauthorized)));

        let info = backend.set_user_disabled(&op, false, "test").await.unwrap();
        assert!(!info.disabled);
        for session in &sessions {
            assert!(!open(&backend, session).await, "enabling does not reopen ended sessions");
        }
        let back = sign_in(&backend, "op@example.com", PASS).await;
        assert!(open(&backend, &cookie(&back)).await);
    }

    async fn the_last_enabled_sysadmin_cannot_be_demoted_or_disabled(db: &TestDb) {
        let backend = db.backend().await;
        let root = user(&backend, "root@example.com", Role::Sysadmin).await;
        user(&backend, "op@example.com", Role::Operator).await;
        for role in [Role::Operator, Role::Viewer] {
            let err = backend.set_user_role(&root, role, "test").await.unwrap_err();
            assert!(matches!(err, Error::Conflict(ref m) if m.contains("sysadmin")), "{err}");
        }
        let err = backend.set_user_disabled(&root, true, "test").await.unwrap_err();
        assert!(matches!(err, Error::Conflict(ref m) if m.contains("sysadmin")), "{err}");
        let row = backend.user_by_email("root@example.com").await.unwrap();
        assert!(row.role == Role::Sysadmin && !row.disabled, "{row:?}");

        // A disabled sysadmin does not count: with the second one disabled, the first is still
        // the last.
        let second = user(&backend, "second@example.com", Role::Sysadmin).await;
        backend.set_user_disabled(&second, true, "test").await.unwrap();
        assert!(matches!(backend.set_user_role(&root, Role::Viewer, "test").await, Err(Error::Conflict(_))));
        // Once another is enabled, the first may go.
        backend.set_user_disabled(&second, false, "test").await.unwrap();
        let demoted = backend.set_user_role(&root, Role::Viewer, "test").await.unwrap();
        assert_eq!(demoted.role, Role::Viewer);
        assert_eq!(sysadmins(&backend).await, ["second@example.com"]);
    }

    async fn two_sysadmins_demoting_each_other_at_once_leave_one(db: &TestDb) {
        let backend = db.backend().await;
        let a = user(&backend, "a@example.com", Role::Sysadmin).await;
        let b = user(&backend, "b@example.com", Role::Sysadmin).await;
        for round in 0..10 {
            for id in [&a, &b] {
                backend.set_user_role(id, Role::Sysadmin, "test").await.unwrap();
            }
            assert_eq!(sysadmins(&backend).await.len(), 2);
            let demote = |id: String| {
                let backend = backend.clone();
                tokio::spawn(async move { backend.set_user_role(&id, Role::Viewer, "test").await })
            };
            let (first, second) = (demote(a.clone()), demote(b.clone()));
            let outcomes = [first.await.unwrap(), second.await.unwrap()];
            let refused = outcomes.iter().filter(|o| matches!(o, Err(Error::Conflict(_)))).count();
            let done = outcomes.iter().filter(|o| o.is_ok()).count();
            assert_eq!((done, refused), (1, 1), "round {round}: {outcomes:?}");
            assert_eq!(sysadmins(&backend).await.len(), 1, "round {round}");
        }
    }

    async fn a_reset_password_signs_in_once_and_must_be_changed(db: &TestDb) {
        let backend = db.backend().await;
        user(&backend, "admin@example.com", Role::Sysadmin).await;
        let op = user(&backend, "op@example.com", Role::Operator).await;
        let old = cookie(&sign_in(&backend, "op@example.com", PASS).await);

        let password = backend.reset_user_password(&op, "test").await.unwrap();
        assert!(password.expose_secret().len() >= 20);
        assert!(!open(&backend, &old).await, "the old sessions end");
        assert!(matches!(backend.login("op@example.com", &secret(PASS), IP).await, Err(Error::Unauthorized)));
        let session = backend.login("op@example.com", &password, IP).await.unwrap();
        assert!(session.user.must_change_password);
        assert!(backend.user_by_email("op@example.com").await.unwrap().must_change_password);
    }

    async fn signing_out_everywhere_ends_every_session_of_that_user_only(db: &TestDb) {
        let backend = db.backend().await;
        let op = user(&backend, "op@example.com", Role::Operator).await;
        user(&backend, "viewer@example.com", Role::Viewer).await;
        let mine = [
            cookie(&sign_in(&backend, "op@example.com", PASS).await),
            cookie(&sign_in(&backend, "op@example.com", PASS).await),
            cookie(&sign_in(&backend, "op@example.com", PASS).await),
        ];
        let theirs = cookie(&sign_in(&backend, "viewer@example.com", PASS).await);

        assert_eq!(backend.sign_out_everywhere(&op).await.unwrap(), 3);
        for session in &mine {
            assert!(!open(&backend, session).await);
        }
        assert!(open(&backend, &theirs).await);
        assert_eq!(backend.sign_out_everywhere(&op).await.unwrap(), 0);
    }

    async fn purging_deletes_expired_sessions_and_keeps_live_ones(db: &TestDb) {
        let backend = db.backend().await;
        let op = user(&backend, "op@example.com", Role::Operator).await;
        let live = cookie(&sign_in(&backend, "op@example.com", PASS).await);
        let now = tessera_backend::now();
        let expired = ["expired-session-one", "expired-session-two"];
        for (n, digest) in (1_i64..).zip(expired) {
            backend.store().insert_session(digest, &op, now - 7200, now - n).await.unwrap();
        }

        assert_eq!(backend.purge_expired_sessions().await.unwrap(), 2);
        assert!(open(&backend, &live).await, "a live session stays");
        // The expired rows are gone: their digests are free again.
        for digest in expired {
            backend.store().insert_session(digest, &op, now - 7200, now - 1).await.unwrap();
        }
        assert_eq!(backend.purge_expired_sessions().await.unwrap(), 2);
        assert_eq!(backend.purge_expired_sessions().await.unwrap(), 0);
        assert!(open(&backend, &live).await);
    }

    async fn every_account_change_writes_an_audit_row(db: &TestDb) {
        let backend = db.backend().await;
        user(&backend, "admin@example.com", Role::Sysadmin).await;
        let op = user(&backend, "op@example.com", Role::Operator).await;
        let session = sign_in(&backend, "op@example.com", PASS).await;
        backend
            .change_own_password(&session.user, &secret(PASS), &secret("another long passphrase"), None, IP)
            .await
            .unwrap();
        backend.set_user_role(&op, Role::Viewer, "admin@example.com").await.unwrap();
        backend.set_user_disabled(&op, true, "admin@example.com").await.unwrap();
        backend.set_user_disabled(&op, false, "admin@example.com").await.unwrap();
        backend.reset_user_password(&op, "admin@example.com").await.unwrap();
        // Refused changes write nothing.
        let root = backend.user_by_email("admin@example.com").await.unwrap().id;
        backend.set_user_role(&root, Role::Viewer, "admin@example.com").await.unwrap_err();

        let trail = backend.audit_trail(&Default::default(), None, 100).await.unwrap();
        let about_op: Vec<(AuditAction, &str)> = trail
            .iter()
            .filter(|r| r.subject == op && r.action != AuditAction::UserCreated)
            .map(|r| (r.action, r.actor.as_str()))
            .collect();
        for expected in [
            (AuditAction::UserPasswordChanged, "op@example.com"),
            (AuditAction::UserRoleChanged, "admin@example.com"),
            (AuditAction::UserDisabled, "admin@example.com"),
            (AuditAction::UserEnabled, "admin@example.com"),
            (AuditAction::UserPasswordReset, "admin@example.com"),
        ] {
            assert!(about_op.contains(&expected), "{expected:?} missing from {about_op:?}");
        }
        assert_eq!(about_op.len(), 5, "{about_op:?}");
        assert!(!trail.iter().any(|r| r.subject == root && r.action == AuditAction::UserRoleChanged));
        let role_change = trail.iter().find(|r| r.action == AuditAction::UserRoleChanged).unwrap();
        assert!(role_change.detail.contains("viewer") && role_change.detail.contains("operator"), "{}", role_change.detail);
    }
}
