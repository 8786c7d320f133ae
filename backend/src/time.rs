//! The wall clock, in one place so every use case reads time the same way.

/// Current unix time in seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
