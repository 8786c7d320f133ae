use secrecy::{ExposeSecret as _, SecretString};
use tessera_backend::auth::Role;
use tessera_backend::testing::{Engine, TestDb};
use tessera_backend::Error;

use crate::both_engines;

const IP: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 10));

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
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
        let (email, password) = first.admin.unwrap();
        assert!(first.created_key.is_some());
        let session = backend.login(&email, &password, IP).await.unwrap();
        assert_eq!(session.user.role, Role::Sysadmin);
        let second = backend.bootstrap().await.unwrap();
        assert!(second.admin.is_none() && second.created_key.is_none());
    }
}
