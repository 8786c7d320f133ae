use super::*;

fn round_trips<T>(all: &[T])
where
    T: Copy + PartialEq + fmt::Debug + fmt::Display + std::str::FromStr + serde::Serialize,
    T: serde::de::DeserializeOwned,
    T::Err: fmt::Debug,
{
    for word in all {
        let text = word.to_string();
        assert_eq!(text.parse::<T>().unwrap(), *word, "{text}");
        let json = serde_json::to_string(word).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *word);
    }
}

#[test]
fn every_word_reads_back_from_its_spelling_and_its_json() {
    round_trips(Tier::ALL);
    round_trips(LicenseKind::ALL);
    round_trips(LicenseStatus::ALL);
    round_trips(StatusFilter::ALL);
    round_trips(SupportFilter::ALL);
    round_trips(Freshness::ALL);
    round_trips(LicenseSort::ALL);
    round_trips(HeartbeatStatus::ALL);
    round_trips(StateName::ALL);
    round_trips(KeyStatus::ALL);
    round_trips(Role::ALL);
    round_trips(Scope::ALL);
    round_trips(OrgRole::ALL);
    round_trips(AnomalyKind::ALL);
    round_trips(SupersedeReason::ALL);
    round_trips(AuditAction::ALL);
}

#[test]
fn a_refused_word_names_every_accepted_spelling() {
    let err = "Platinum".parse::<Tier>().unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown tier \"Platinum\"; expected one of: starter, pro, growth, enterprise, trial, beta, dev"
    );
    let err = serde_json::from_str::<LicenseStatus>("\"expired\"").unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown license status \"expired\""),
        "{err}"
    );
}

#[test]
fn spellings_that_are_not_identifiers_are_kept_as_written() {
    assert_eq!(Scope::LicensesWrite.as_str(), "licenses:write");
    assert_eq!(
        AuditAction::LicenseMultiInstallWindow.as_str(),
        "license.multi_install_window"
    );
    assert_eq!(Freshness::Day.as_str(), "24h");
}

#[test]
fn a_sysadmin_may_do_what_an_operator_may_but_not_the_reverse() {
    assert!(Role::Sysadmin.allows(Role::Operator));
    assert!(Role::Operator.allows(Role::Viewer));
    assert!(!Role::Viewer.allows(Role::Operator));
}

#[test]
fn only_an_ended_license_answers_a_heartbeat_as_ended() {
    let ended: Vec<_> = LicenseStatus::ALL
        .iter()
        .map(|s| HeartbeatStatus::of(*s, false))
        .filter(|s| s.has_ended())
        .collect();
    assert_eq!(
        ended,
        [
            HeartbeatStatus::Revoked,
            HeartbeatStatus::Refunded,
            HeartbeatStatus::Transferred
        ]
    );
    assert_eq!(
        HeartbeatStatus::of(LicenseStatus::Active, true),
        HeartbeatStatus::Expired
    );
    assert!(!HeartbeatStatus::Expired.has_ended());
}

#[test]
fn words_are_joined_for_messages() {
    assert_eq!(spelled(Role::ALL), "viewer, operator or sysadmin");
    assert_eq!(spelled(&[Role::Viewer]), "viewer");
}
