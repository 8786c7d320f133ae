//! License mail through a real SMTP server on loopback (Python's aiosmtpd, storing to a
//! Maildir), not a mock.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tessera_backend::testing::{Engine, TestDb};

use crate::licenses::sample_request;

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (make test installs it)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            maildir,
        }
    }

    /// Waits for the first delivered message and returns it with soft line breaks undone.
    fn first_message(&self) -> String {
        let new = self.maildir.path().join("box").join("new");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(entry) = std::fs::read_dir(&new).ok().and_then(|mut d| d.next()) {
                let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                return raw
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=");
            }
            assert!(Instant::now() < deadline, "no message arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
