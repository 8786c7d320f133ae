use tessera_backend::store::KeyStatus;
use tessera_backend::testing::TestDb;
use tessera_backend::Error;
use tessera_license::keys::{KeySet, PublicKey};

use tessera_backend::both_engines;

/// What `openssl genpkey -algorithm Ed25519` writes.
const OPENSSL_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINX302mxqTC49aWfkZt8W4ePNVQGHynto0hHgDzK84J5
-----END PRIVATE KEY-----
";

both_engines! {
    async fn racing_activations_and_retirements_never_leave_two_active_keys(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k0"), "test").await.unwrap();
        for kid in ["k1", "k2", "k3"] {
            backend.generate_key(Some(kid), "test").await.unwrap();
        }
        // Many requests at once: activate and retire the same keys from "different instances".
        let mut tasks = Vec::new();
        for round in 0..6 {
            for kid in ["k1", "k2", "k3"] {
                let backend = backend.clone();
                let retire = (round + kid.len()) % 3 == 0;
                tasks.push(tokio::spawn(async move {
                    if retire {
                        backend.retire_key(kid, "race").await.map(|_| ())
                    } else {
                        backend.activate_key(kid, "race").await.map(|_| ())
                    }
                }));
            }
        }
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) | Err(Error::Conflict(_)) => {}
                Err(other) => panic!("a race answered {other:?}, not a conflict"),
            }
        }
        let keys = backend.list_keys().await.unwrap();
        let active: Vec<_> = keys.iter().filter(|k| k.status == KeyStatus::Active).collect();
        assert_eq!(active.len(), 1, "{keys:?}");
        assert!(active[0].retired_at.is_none(), "the active key was never retired: {keys:?}");
    }

    async fn the_first_key_signs_and_later_ones_wait_as_accepted(db: &TestDb) {
        let backend = db.backend().await;
        let first = backend.generate_key(None, "test").await.unwrap();
        let second = backend.generate_key(Some("next-2026"), "test").await.unwrap();
        assert_eq!(first.status, KeyStatus::Active);
        assert_eq!(second.status, KeyStatus::Accepted);
        assert_eq!(second.kid, "next-2026");
        let jwks = backend.jwks().await.unwrap();
        let kids: Vec<_> = jwks.keys.iter().map(|k| k.kid.as_str()).collect();
        assert!(kids.contains(&first.kid.as_str()) && kids.contains(&"next-2026"));
        assert!(jwks.keys.iter().all(|k| k.kty == "OKP" && k.crv == "Ed25519" && k.alg == "EdDSA"));
    }

    async fn activating_a_key_demotes_the_previous_one(db: &TestDb) {
        let backend = db.backend().await;
        let first = backend.generate_key(None, "test").await.unwrap();
        backend.generate_key(Some("k2"), "test").await.unwrap();
        backend.activate_key("k2", "test").await.unwrap();
        let keys = backend.list_keys().await.unwrap();
        let status = |kid: &str| keys.iter().find(|k| k.kid == kid).unwrap().status;
        assert_eq!(status("k2"), KeyStatus::Active);
        assert_eq!(status(&first.kid), KeyStatus::Accepted);
    }

    async fn a_key_in_use_cannot_be_retired(db: &TestDb) {
        let backend = db.backend().await;
        let first = backend.generate_key(Some("old"), "test").await.unwrap();
        backend.issue_license(&crate::licenses::sample_request(), "test").await.unwrap();
        backend.generate_key(Some("new"), "test").await.unwrap();
        let active = backend.retire_key("old", "test").await.unwrap_err();
        assert!(matches!(active, Error::Conflict(ref m) if m.contains("active key")), "{active}");
        backend.activate_key("new", "test").await.unwrap();
        let in_use = backend.retire_key(&first.kid, "test").await.unwrap_err();
        assert!(matches!(in_use, Error::Conflict(ref m) if m.contains("1 unexpired license")), "{in_use}");
        let unused = backend.generate_key(Some("unused"), "test").await.unwrap();
        let retired = backend.retire_key(&unused.kid, "test").await.unwrap();
        assert_eq!(retired.status, KeyStatus::Retired);
        assert!(backend.jwks().await.unwrap().keys.iter().all(|k| k.kid != "unused"));
    }

    async fn private_keys_are_encrypted_at_rest(db: &TestDb) {
        let backend = db.backend().await;
        let info = backend.import_key(OPENSSL_PEM, Some("imported"), "test").await.unwrap();
        assert!(info.can_sign);
        let row = backend.store().get_key("imported").await.unwrap().unwrap();
        let sealed = row.private_enc.unwrap();
        let pair = tessera_license::keys::SigningKeyPair::from_pkcs8_pem(OPENSSL_PEM, None).unwrap();
        let seed = pair.seed();
        assert!(!sealed.windows(32).any(|w| w == seed.as_slice()), "the seed is stored in clear");
        assert_eq!(row.public_key, pair.public().to_bytes().to_vec());
    }

    async fn a_public_key_imports_as_verify_only(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let pair = tessera_license::keys::SigningKeyPair::generate(None);
        let pem = pair.public().to_spki_pem();
        let info = backend.import_key(&pem, Some("partner"), "test").await.unwrap();
        assert_eq!((info.status, info.can_sign), (KeyStatus::Accepted, false));
        let refused = backend.activate_key("partner", "test").await.unwrap_err();
        assert!(matches!(refused, Error::Conflict(_)));
        assert_eq!(backend.export_public_key("partner").await.unwrap(), pem);
        let set: KeySet = backend.verification_keys().await.unwrap();
        let public: PublicKey = set.iter().find(|k| k.kid().as_ref() == "partner").unwrap().clone();
        assert_eq!(public.to_bytes(), pair.public().to_bytes());
    }

    async fn garbage_pem_and_duplicate_kids_are_clear_errors(db: &TestDb) {
        let backend = db.backend().await;
        let bad = backend.import_key("not a pem", None, "test").await.unwrap_err();
        assert!(matches!(bad, Error::Invalid(_)));
        backend.generate_key(Some("dup"), "test").await.unwrap();
        let dup = backend.generate_key(Some("dup"), "test").await.unwrap_err();
        assert!(matches!(dup, Error::Conflict(ref m) if m.contains("dup")), "{dup}");
        let missing = backend.activate_key("nope", "test").await.unwrap_err();
        assert!(matches!(missing, Error::NotFound(_)));
    }
}
