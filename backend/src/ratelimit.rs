//! In-memory token buckets: each key may spend `per_minute` requests a minute, in bursts of
//! up to that many. Per process: with several instances each enforces its own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets by key (`ip:…`, `license:…`).
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    refused: std::sync::atomic::AtomicU64,
}

impl RateLimiter {
    /// Spends one request of `key`'s budget, or answers how long until one is available.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), Duration> {
        let checked = self.check_at(key, per_minute, Instant::now());
        if checked.is_err() {
            self.refused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        checked
    }

    /// Requests refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn check_at(&self, key: &str, per_minute: u32, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(per_minute.max(1));
        let per_sec = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_KEYS {
            // Full buckets carry no state worth keeping.
            buckets.retain(|_, b| {
                now.duration_since(b.updated).as_secs_f64() * per_sec + b.tokens < capacity
            });
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * per_sec;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_sec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("k", 3, start).is_ok());
        }
        let wait = limiter.check_at("k", 3, start).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(
            limiter.check_at("other", 3, start).is_ok(),
            "keys are independent"
        );
        assert!(limiter
            .check_at("k", 3, start + Duration::from_secs(20))
            .is_ok());
    }
}
