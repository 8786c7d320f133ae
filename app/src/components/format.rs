//! Formatting of times and states for people.

/// A unix time as `2026-11-22 16:14 UTC`.
pub fn datetime(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "—".into())
}

/// An optional unix time, `—` when absent.
pub fn maybe_datetime(unix: Option<i64>) -> String {
    unix.map(datetime).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_utc() {
        assert_eq!(datetime(0), "1970-01-01 00:00 UTC");
        assert_eq!(maybe_datetime(None), "—");
    }
}
