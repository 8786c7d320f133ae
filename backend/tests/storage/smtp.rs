//! License mail through a real SMTP server on loopback (Python's aiosmtpd, storing to a
//! Maildir), not a mock.

use tessera_backend::testing::{Engine, SmtpServer, TestDb};

use crate::licenses::sample_request;

#[tokio::test]
async fn an_issued_license_is_mailed_through_smtp_with_its_token() {
    let smtp = SmtpServer::start();
    let db = TestDb::new(Engine::Sqlite).await;
    let mut config = db.config();
    config.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp.port).into());
    config.mail_from = "Vendor Licensing <licensing@vendor.example.com>".into();
    let backend = db.backend_with(config).await;
    backend.generate_key(None, "test").await.unwrap();
    let mut req = sample_request();
    req.send_email = true;
    let issued = backend.issue_license(&req, "test").await.unwrap();
    assert_eq!(issued.mail_error, None);
    let message = smtp.first_message();
    assert!(message.contains("To: Ops@example.com"), "{message}");
    assert!(
        message.contains("From: \"Vendor Licensing\" <licensing@vendor.example.com>")
            || message.contains("From: Vendor Licensing <licensing@vendor.example.com>"),
        "{message}"
    );
    assert!(
        message.contains(&issued.token),
        "the token is in the message"
    );
    assert!(message.contains(&issued.license.id));
    assert!(
        !db.data_dir.join("mail").exists(),
        "SMTP configured: no .eml files"
    );
}
