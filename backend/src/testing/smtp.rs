//! A real SMTP server for tests.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A message as read: quoted-printable soft line breaks and `=3D` undone.
pub fn unfold(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// A real SMTP server on loopback (Python's aiosmtpd, `make test` installs it) storing what
/// it receives in a Maildir.
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts the server on a free port and waits until it accepts connections.
    pub fn start() -> Self {
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
        // Python's first start compiles aiosmtpd's modules; on a loaded two-core machine that
        // has taken longer than 15 s.
        let deadline = Instant::now() + Duration::from_secs(60);
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

    /// Every message delivered so far, oldest first, with quoted-printable soft line
    /// breaks and `=3D` undone.
    pub fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("box").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&new)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        // Maildir names start with the delivery time, `SECONDS.MMICROSECONDS...`; the
        // microseconds are not zero-padded, so two messages of one second sort as numbers.
        files.sort_by_key(|f| delivery_time(f));
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .map(|raw| unfold(&raw))
            .collect()
    }

    /// Waits until `count` messages have arrived (15 s at most) and returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} messages arrived",
                messages.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the first delivered message and returns it with soft line breaks undone.
    pub fn first_message(&self) -> String {
        let new = self.maildir.path().join("box").join("new");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(entry) = std::fs::read_dir(&new).ok().and_then(|mut d| d.next()) {
                let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                return unfold(&raw);
            }
            assert!(Instant::now() < deadline, "no message arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// When Python's `mailbox.Maildir` delivered `file`, from its name
/// (`SECONDS.MMICROSECONDSPPID...`), and the name itself to break ties.
fn delivery_time(file: &std::path::Path) -> (u64, u64, String) {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let number = |text: &str| -> u64 {
        text.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    };
    let seconds = number(&name);
    let micros = name.split_once(".M").map_or(0, |(_, rest)| number(rest));
    (seconds, micros, name)
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::delivery_time;

    #[test]
    fn messages_of_one_second_sort_by_their_microseconds_as_numbers() {
        let mut names = vec![
            "1764500001.M5P10Q3.host",
            "1764500000.M100000P10Q2.host",
            "1764500000.M99P10Q1.host",
        ];
        names.sort_by_key(|n| delivery_time(std::path::Path::new(n)));
        assert_eq!(
            names,
            [
                "1764500000.M99P10Q1.host",
                "1764500000.M100000P10Q2.host",
                "1764500001.M5P10Q3.host"
            ]
        );
    }
}
