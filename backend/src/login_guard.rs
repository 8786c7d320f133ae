//! Sign-in under attack. Password checks (argon2, ~19 MiB and tens of milliseconds each) run
//! on a few dedicated threads, one per two cores, with a short bounded queue in front of them:
//! attempts beyond that are refused at once (429) instead of piling up memory. Dedicated
//! threads, not the async runtime's blocking pool, because the allocator keeps each thread's
//! freed argon2 memory for that thread: a few threads bound it, hundreds would not. Failures
//! are limited per account and per client IP with growing back-off; a locked-out attempt costs
//! no argon2 work.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::{Error, Result};

/// Failures an account may have before back-off starts.
const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures one client IP may have before back-off starts (it may try several accounts).
const IP_FREE_FAILURES: u32 = 20;
/// Longest back-off, in seconds.
const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// A failure record is forgotten this long after the last failure, in milliseconds.
const FORGET_AFTER_MS: i64 = 24 * 3600 * 1000;
/// Most client IPs tracked; beyond that the oldest quiet ones are dropped first.
const MAX_TRACKED_IPS: usize = 100_000;
/// Attempts that may wait for a free password checker, per checker.
const QUEUE_PER_CHECKER: usize = 4;

/// Failures of one account or IP; times in milliseconds since the epoch (a lock of a second
/// must not end early because the clock's second turned over).
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
    locked_until: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct SignInCounters {
    /// Wrong e-mail or password.
    pub failed: AtomicU64,
    /// Refused before any password check: back-off or a full queue.
    pub refused: AtomicU64,
    /// Signed in.
    pub succeeded: AtomicU64,
}

/// One password to check against a PHC string; the answer goes back on `reply`.
struct CheckJob {
    password: zeroize::Zeroizing<String>,
    phc: String,
    reply: oneshot::Sender<bool>,
}

/// The sign-in gatekeeper: checker threads, queue bound and failure back-off.
#[derive(Debug)]
pub struct LoginGuard {
    jobs: SyncSender<CheckJob>,
    accounts: Mutex<HashMap<String, Failures>>,
    ips: Mutex<HashMap<IpAddr, Failures>>,
    pub counters: SignInCounters,
}

impl Default for LoginGuard {
    fn default() -> Self {
        // Half the cores: the other half keeps answering everything else (health checks,
        // heartbeats, pages) while a flood of sign-ins keeps the checkers busy.
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::with_checkers((cores / 2).clamp(1, 8))
    }
}

fn backoff_secs(failures: u32, free: u32) -> i64 {
    let over = failures.saturating_sub(free);
    if over == 0 {
        return 0;
    }
    // 1 s, 2 s, 4 s ... up to 15 minutes.
    1_i64
        .checked_shl(over.saturating_sub(1).min(20))
        .unwrap_or(MAX_BACKOFF_SECS)
        .min(MAX_BACKOFF_SECS)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LoginGuard {
    /// A guard with `checkers` threads checking passwords, each with a few queued behind it.
    pub fn with_checkers(checkers: usize) -> Self {
        let (jobs, queue) = sync_channel(checkers * QUEUE_PER_CHECKER);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..checkers {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || check_passwords(&queue));
            if let Err(err) = spawned {
                tracing::error!(error = %err, "cannot start a password checker thread");
            }
        }
        Self {
            jobs,
            accounts: Mutex::default(),
            ips: Mutex::default(),
            counters: SignInCounters::default(),
        }
    }

    /// Refused; try again in `wait_ms` (rounded up to whole seconds, at least one).
    fn refuse(&self, wait_ms: i64) -> Error {
        self.counters.refused.fetch_add(1, Ordering::Relaxed);
        let secs = (wait_ms.max(1) + 999) / 1000;
        Error::RateLimited {
            retry_after_secs: u64::try_from(secs).unwrap_or(1),
        }
    }

    /// Refuses at once while `account` or `ip` is backing off.
    pub fn admit(&self, account: Option<&str>, ip: IpAddr) -> Result<()> {
        let at = now_ms();
        let ip_until = lock(&self.ips).get(&ip).map_or(0, |f| f.locked_until);
        let account_until = account
            .and_then(|a| lock(&self.accounts).get(a).map(|f| f.locked_until))
            .unwrap_or(0);
        let until = ip_until.max(account_until);
        if until > at {
            return Err(self.refuse(until - at));
        }
        Ok(())
    }

    /// Checks `password` against the argon2 PHC string `phc` on a checker thread, or refuses
    /// at once when every checker is busy and the queue is full.
    pub async fn check(&self, password: &str, phc: &str) -> Result<bool> {
        let (reply, answer) = oneshot::channel();
        let job = CheckJob {
            password: zeroize::Zeroizing::new(password.to_string()),
            phc: phc.to_string(),
            reply,
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(self.refuse(1000)),
            Err(TrySendError::Disconnected(_)) => {
                return Err(Error::Internal(anyhow::anyhow!(
                    "the password checkers stopped"
                )))
            }
        }
        answer
            .await
            .map_err(|_| Error::Internal(anyhow::anyhow!("a password check failed")))
    }

    /// Records a failed attempt. `account` is set only for an existing user, so the account
    /// table never grows past the number of users.
    pub fn failed(&self, account: Option<&str>, ip: IpAddr) {
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
        let at = now_ms();
        if let Some(account) = account {
            let mut accounts = lock(&self.accounts);
            let entry = accounts.entry(account.to_string()).or_insert(Failures {
                count: 0,
                last: at,
                locked_until: 0,
            });
            bump(entry, at, ACCOUNT_FREE_FAILURES);
        }
        let mut ips = lock(&self.ips);
        if ips.len() >= MAX_TRACKED_IPS && !ips.contains_key(&ip) {
            ips.retain(|_, f| at - f.last < FORGET_AFTER_MS && f.locked_until > at);
            if ips.len() >= MAX_TRACKED_IPS {
                // Still full of live lockouts: drop the oldest half rather than grow.
                let mut lasts: Vec<i64> = ips.values().map(|f| f.last).collect();
                lasts.sort_unstable();
                let cut = lasts[lasts.len() / 2];
                ips.retain(|_, f| f.last > cut);
            }
        }
        let entry = ips.entry(ip).or_insert(Failures {
            count: 0,
            last: at,
            locked_until: 0,
        });
        bump(entry, at, IP_FREE_FAILURES);
    }

    /// The account proved its password (outside a sign-in): its failures are forgotten.
    pub fn forget(&self, account: &str) {
        lock(&self.accounts).remove(account);
    }

    /// A successful sign-in clears the account's failures (the IP's stay: one good password
    /// does not excuse guessing others).
    pub fn succeeded(&self, account: &str) {
        self.counters.succeeded.fetch_add(1, Ordering::Relaxed);
        lock(&self.accounts).remove(account);
    }
}

/// A checker thread: takes one job at a time until the guard is dropped.
fn check_passwords(queue: &Mutex<Receiver<CheckJob>>) {
    loop {
        let job = match lock(queue).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let matches = crate::auth::password_matches(&job.password, &job.phc);
        let _ = job.reply.send(matches);
    }
}

fn bump(entry: &mut Failures, at: i64, free: u32) {
    if at - entry.last >= FORGET_AFTER_MS {
        entry.count = 0;
    }
    entry.count = entry.count.saturating_add(1);
    entry.last = at;
    let wait = backoff_secs(entry.count, free);
    if wait > 0 {
        entry.locked_until = at + wait * 1000;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[test]
    fn back_off_starts_after_the_free_failures_and_doubles() {
        assert_eq!(backoff_secs(5, 5), 0);
        assert_eq!(backoff_secs(6, 5), 1);
        assert_eq!(backoff_secs(7, 5), 2);
        assert_eq!(backoff_secs(10, 5), 16);
        assert_eq!(backoff_secs(60, 5), MAX_BACKOFF_SECS);
    }

    #[test]
    fn an_account_under_attack_is_refused_from_any_ip() {
        let guard = LoginGuard::with_checkers(1);
        for n in 0..=ACCOUNT_FREE_FAILURES {
            assert!(guard.admit(Some("a@example.com"), ip(n as u8)).is_ok());
            guard.failed(Some("a@example.com"), ip(n as u8));
        }
        let refused = guard.admit(Some("a@example.com"), ip(200)).unwrap_err();
        assert!(
            matches!(refused, Error::RateLimited { retry_after_secs } if retry_after_secs >= 1)
        );
        assert!(
            guard.admit(Some("b@example.com"), ip(200)).is_ok(),
            "other accounts are unaffected"
        );
    }

    #[test]
    fn one_ip_guessing_many_accounts_is_refused() {
        let guard = LoginGuard::with_checkers(1);
        for _ in 0..=IP_FREE_FAILURES {
            guard.failed(None, ip(1));
        }
        assert!(guard.admit(None, ip(1)).is_err());
        assert!(guard.admit(None, ip(2)).is_ok());
    }

    #[tokio::test]
    async fn attempts_beyond_the_queue_are_refused_at_once() {
        let phc = crate::auth::hash_password("correct horse battery").unwrap();
        let guard = Arc::new(LoginGuard::with_checkers(1));
        // Far more simultaneous checks than one checker and its queue hold.
        let attempts: Vec<_> = (0..40)
            .map(|_| {
                let (guard, phc) = (Arc::clone(&guard), phc.clone());
                tokio::spawn(async move { guard.check("wrong guess", &phc).await })
            })
            .collect();
        let mut refused = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(matches) => assert!(!matches),
                Err(Error::RateLimited { .. }) => refused += 1,
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(refused > 0, "every attempt was queued");
        assert_eq!(guard.counters.refused.load(Ordering::Relaxed), refused);
        assert!(guard.check("correct horse battery", &phc).await.unwrap());
    }
}
