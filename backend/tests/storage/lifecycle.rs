use tessera_backend::licenses::lifecycle::Transfer;
use tessera_backend::store::{AuditAction, LicenseStatus};
use tessera_backend::testing::TestDb;
use tessera_backend::Error;
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::keys::KeySet;

use crate::licenses::sample_request;
use tessera_backend::both_engines;

/// A message as a mail client shows it: quoted-printable soft breaks and escapes undone.
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::with_capacity(joined.len());
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(&joined[i + 1..i + 3], 16).ok())
            .flatten();
        match escape {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Every `.eml` the file mailer wrote, decoded. Each holds a token: readable by its owner only.
fn read_mail(db: &TestDb) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = db.data_dir.join("mail");
    if let Ok(meta) = std::fs::metadata(&dir) {
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o700,
            "the mail directory is private"
        );
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an .eml file is readable by its owner only");
    }
    let mut mails: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| decoded(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    mails.sort();
    mails
}

both_engines! {
    async fn revoking_needs_a_reason_and_records_before_and_after(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let issued = backend.issue_license(&sample_request(), "alice").await.unwrap();
        let id = &issued.license.id;
        let err = backend.revoke_license(id, "  ", "alice").await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.starts_with("reason")));
        let revoked = backend.revoke_license(id, "chargeback", "alice").await.unwrap();
        assert_eq!((revoked.status.as_str(), revoked.revoke_reason.as_deref()), ("revoked", Some("chargeback")));
        let again = backend.revoke_license(id, "twice", "alice").await.unwrap_err();
        assert!(matches!(again, Error::Conflict(ref m) if m.contains("revoked")));
        let detail = backend.license_detail(id).await.unwrap();
        let last = &detail.history[0];
        assert_eq!(last.action, AuditAction::LicenseRevoked);
        let change: serde_json::Value = serde_json::from_str(&last.detail).unwrap();
        assert_eq!(change["before"]["status"], LicenseStatus::Active.as_str());
        assert_eq!(change["after"]["status"], "revoked");
        assert_eq!(change["after"]["reason"], "chargeback");
    }

    async fn resending_re_signs_with_a_fresh_iat_and_the_same_terms(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(Some("k1"), "test").await.unwrap();
        let mut req = sample_request();
        req.kind = tessera_license::claims::LicenseKind::Trial;
        let issued = backend.issue_license(&req, "test").await.unwrap();
        backend.generate_key(Some("k2"), "test").await.unwrap();
        backend.activate_key("k2", "test").await.unwrap();
        let resent = backend.resend_license(&issued.license.id, "test").await.unwrap();
        assert!(resent.mail_error.is_none());
        assert_ne!(resent.token, issued.token);
        assert_eq!(resent.claims.sub, issued.claims.sub);
        assert_eq!(resent.claims.exp, issued.claims.exp);
        assert_eq!(resent.claims.lic.support_until, issued.claims.lic.support_until);
        assert!(resent.claims.iat >= issued.claims.iat);
        assert_ne!(resent.claims.jti, issued.claims.jti);
        assert_eq!(resent.license.kid, "k2", "re-signed with the active key");
        assert_eq!(resent.license.created_at, issued.license.created_at);
        let mails = read_mail(db);
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("new copy") && mails[0].contains(&resent.token));
        let keys = KeySet::from_jwks(&backend.jwks().await.unwrap()).unwrap();
        jws::verify(&resent.token, &keys, &VerifyOptions::at(tessera_backend::now())).unwrap();
    }

    async fn a_renewal_resigns_with_a_later_expiry_and_supersedes_the_old_token(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let perpetual = backend.issue_license(&sample_request(), "test").await.unwrap();
        let refused = backend.renew_license(&perpetual.license.id, tessera_backend::now() + 86_400, "test").await;
        assert!(matches!(refused, Err(Error::Invalid(ref m)) if m.contains("perpetual")), "{refused:?}");

        let mut request = sample_request();
        request.kind = tessera_license::LicenseKind::Subscription;
        request.expires_at = Some(tessera_backend::now() + 10 * 86_400);
        let issued = backend.issue_license(&request, "test").await.unwrap();
        let exp = issued.claims.exp.unwrap();
        let earlier = backend.renew_license(&issued.license.id, exp - 1, "test").await;
        assert!(matches!(earlier, Err(Error::Invalid(_))), "{earlier:?}");
        let renewed = backend.renew_license(&issued.license.id, exp + 365 * 86_400, "ops").await.unwrap();
        assert_eq!(renewed.license.id, issued.license.id);
        assert_eq!(renewed.claims.exp, Some(exp + 365 * 86_400));
        assert_eq!(renewed.claims.lic, issued.claims.lic, "the same grants");
        assert_eq!(renewed.license.expires_at, Some(exp + 365 * 86_400));
        let superseded = backend.store().superseded_token(&tessera_backend::licenses::token_sha256(&issued.token)).await.unwrap().unwrap();
        assert_eq!(superseded.reason, tessera_backend::store::SupersedeReason::Renewed);
        let detail = backend.license_detail(&issued.license.id).await.unwrap();
        assert_eq!(detail.history[0].action, AuditAction::LicenseRenewed);
        let revoked = backend.revoke_license(&issued.license.id, "x", "test").await.unwrap();
        let again = backend.renew_license(&revoked.id, exp + 400 * 86_400, "test").await;
        assert!(matches!(again, Err(Error::Conflict(_))), "an ended license is not renewed: {again:?}");
    }

    async fn a_transfer_needs_both_confirmations_and_moves_the_same_grants(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let issued = backend.issue_license(&sample_request(), "test").await.unwrap();
        let mut to = Transfer {
            email: "new@buyer.example.org".into(),
            company: "Buyer GmbH".into(),
            tax_id: Some("DE999".into()),
            confirm_revocation: true,
            confirm_new_owner: false,
        };
        let refused = backend.transfer_license(&issued.license.id, &to, "test").await.unwrap_err();
        assert!(matches!(refused, Error::Invalid(ref m) if m.contains("both confirmations")));
        to.confirm_new_owner = true;
        let moved = backend.transfer_license(&issued.license.id, &to, "test").await.unwrap();
        assert_ne!(moved.license.id, issued.license.id);
        assert_eq!(moved.claims.lic.customer.company, "Buyer GmbH");
        assert_eq!(moved.claims.lic.features, issued.claims.lic.features);
        assert_eq!(moved.claims.lic.seats, issued.claims.lic.seats);
        assert_eq!(moved.claims.exp, issued.claims.exp);
        assert_eq!(moved.claims.lic.support_until, issued.claims.lic.support_until);
        assert_eq!(moved.license.transferred_from.as_deref(), Some(issued.license.id.as_str()));
        let old = backend.get_license(&issued.license.id).await.unwrap();
        assert_eq!(old.status, LicenseStatus::Transferred);
        assert_eq!(old.replaced_by.as_deref(), Some(moved.license.id.as_str()));
        let mails = read_mail(db);
        assert_eq!(mails.len(), 2, "both parties are told");
        let to_new = mails.iter().find(|m| m.contains("To: new@buyer.example.org")).unwrap();
        assert!(to_new.contains(&moved.token));
        let to_old = mails.iter().find(|m| m.contains("To: Ops@example.com")).unwrap();
        assert!(!to_old.contains(&moved.token) && to_old.contains("Buyer GmbH"));
    }

    async fn an_issue_email_carries_the_token_and_install_steps(db: &TestDb) {
        let backend = db.backend().await;
        backend.generate_key(None, "test").await.unwrap();
        let mut req = sample_request();
        req.send_email = true;
        let issued = backend.issue_license(&req, "test").await.unwrap();
        assert!(issued.mail_error.is_none());
        let mails = read_mail(db);
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("To: Ops@example.com"));
        assert!(mails[0].contains(&issued.token) && mails[0].contains("/license"));
    }

    async fn a_failed_email_keeps_the_license_and_says_so(db: &TestDb) {
        let mut config = db.config();
        config.smtp_url = Some("smtp://127.0.0.1:9".to_string().into());
        let backend = db.backend_with(config).await;
        backend.generate_key(None, "test").await.unwrap();
        let mut req = sample_request();
        req.send_email = true;
        let issued = backend.issue_license(&req, "test").await.unwrap();
        assert!(issued.mail_error.unwrap().contains("could not be sent"));
        assert_eq!(backend.get_license(&issued.license.id).await.unwrap().status, LicenseStatus::Active);
    }
}
