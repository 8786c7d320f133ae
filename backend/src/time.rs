//! The wall clock, in one place so every use case reads time the same way.

/// Current unix time in seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The millisecond a new id made at `at` (unix seconds) carries: the current one when `at` is
/// this second, so ids made within one second still sort in the order they were made.
pub(crate) fn id_millis(at: i64) -> u64 {
    let now = chrono::Utc::now().timestamp_millis();
    let ms = if now.div_euclid(1000) == at {
        now
    } else {
        at.saturating_mul(1000)
    };
    u64::try_from(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_now_carry_the_current_millisecond_and_others_their_second() {
        assert_eq!(id_millis(1_700_000_000), 1_700_000_000_000);
        let at = now();
        let ms = id_millis(at);
        // Within `at`'s second, or `at`'s start when the second turned meanwhile.
        assert!(
            ms / 1000 == at as u64 || ms == at as u64 * 1000,
            "{ms} {at}"
        );
    }
}
