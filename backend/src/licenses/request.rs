//! The one home of the issuing rules. Every door (the issue form, `POST /api/v1/licenses`,
//! `tessera license issue`) turns what it was given into an [`IssueInput`] in its own notation,
//! and [`IssueRequest::try_from`] reads that input the same way for all of them, so the three
//! refuse the same input with the same message.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Deserialize;
use tessera_license::claims::{LicenseKind, SeatGrant, Tier};
use tessera_license::{Domain, Email, ProductKey};

use crate::{Error, Result};

/// Most items in one list (features, plugins, themes, niches, domains, seats, caps).
pub const MAX_ITEMS: usize = 64;
/// Longest name in a list, and longest company, plan, tax id or node lock.
pub const MAX_NAME: usize = 64;
/// Longest company name.
pub const MAX_COMPANY: usize = 200;

/// What a person or a program asked for, as text, before any rule has read it. Missing
/// fields read as empty, so a missing e-mail and an empty one get the same answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IssueInput {
    pub email: String,
    pub company: String,
    pub tax_id: Option<String>,
    pub tier: String,
    /// `perpetual` when absent.
    pub kind: Option<String>,
    pub product: String,
    pub plan: Option<String>,
    /// RFC 3339 (`2027-01-31T00:00:00Z`) or a date (`2027-01-31`, midnight UTC).
    pub expires_at: Option<String>,
    /// Support beyond the 30 days every license gets: `12mo`, `1y`, `6w`, `90d`.
    pub support_period: Option<String>,
    pub features: Vec<String>,
    pub plugins: Vec<String>,
    pub themes: Vec<String>,
    pub niches: Vec<String>,
    pub domains: Vec<String>,
    pub seats: BTreeMap<String, SeatGrant>,
    pub caps: BTreeMap<String, i64>,
    pub node_lock: Option<String>,
    pub early_adopter: bool,
    pub send_email: bool,
}

/// A request every rule has read: what [`crate::Backend::issue_license`] signs. Built only
/// by [`IssueRequest::try_from`] an [`IssueInput`] (tests may change single fields after).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    pub email: Email,
    pub company: String,
    pub tax_id: Option<String>,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub product: ProductKey,
    pub plan: Option<String>,
    /// Unix seconds. Refused for perpetual; defaults to 30 days for trials; required for
    /// subscriptions (checked against the clock when signing).
    pub expires_at: Option<i64>,
    pub support_period: Option<SupportPeriod>,
    /// Sorted, without duplicates.
    pub features: Vec<String>,
    pub plugins: Vec<String>,
    pub themes: Vec<String>,
    pub niches: Vec<String>,
    /// At least one.
    pub domains: Vec<Domain>,
    pub seats: BTreeMap<String, SeatGrant>,
    pub caps: BTreeMap<String, i64>,
    pub node_lock: Option<String>,
    /// Adds the `early_adopter` feature.
    pub early_adopter: bool,
    /// E-mail the token to the customer.
    pub send_email: bool,
}

/// A support period such as `12mo`, `2y`, `6w` or `90d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportPeriod {
    Days(u32),
    Months(u32),
}

impl SupportPeriod {
    /// Parses `<n>d`, `<n>w`, `<n>mo` or `<n>y`.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let bad = || {
            Error::invalid(format!(
                "support_period: {text:?} is not a period; write a number and a unit, e.g. 12mo, 1y, 6w or 90d"
            ))
        };
        let n: u32 = number
            .parse()
            .ok()
            .filter(|n| *n > 0 && *n <= 1200)
            .ok_or_else(bad)?;
        match unit {
            "d" => Ok(Self::Days(n)),
            "w" => Ok(Self::Days(n * 7)),
            "mo" | "m" => Ok(Self::Months(n)),
            "y" => Ok(Self::Months(n * 12)),
            _ => Err(bad()),
        }
    }

    /// `at` plus this period.
    pub(crate) fn add_to(self, at: i64) -> Result<i64> {
        let start = DateTime::<Utc>::from_timestamp(at, 0)
            .ok_or_else(|| Error::invalid("time out of range"))?;
        let end = match self {
            Self::Days(d) => start.checked_add_signed(chrono::Duration::days(d.into())),
            Self::Months(m) => start.checked_add_months(Months::new(m)),
        };
        end.map(|t| t.timestamp())
            .ok_or_else(|| Error::invalid("support_period: out of range"))
    }
}

fn refuse(field: &str, reason: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{field}: {reason}"))
}

/// Trimmed text, `None` when blank; refused when too long or holding control characters.
pub(crate) fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>> {
    let Some(value) = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    crate::input::printable(field, &value)?;
    if value.chars().count() > max {
        return Err(refuse(field, format!("at most {max} characters")));
    }
    Ok(Some(value))
}

/// Trimmed, sorted, deduplicated names, within the size bounds.
pub(crate) fn names(field: &str, items: Vec<String>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(name) = optional_text(field, Some(item), MAX_NAME)? {
            out.push(name);
        }
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_ITEMS {
        return Err(refuse(field, format!("at most {MAX_ITEMS} items")));
    }
    Ok(out)
}

/// An expiry as typed: a date (`2027-01-31`, midnight UTC) or RFC 3339.
pub fn parse_expiry(text: &str) -> Result<i64> {
    expiry(Some(text.to_string()))?.ok_or_else(|| refuse("expires", "required".to_string()))
}

fn expiry(text: Option<String>) -> Result<Option<i64>> {
    let Some(text) = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(at.timestamp()));
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc().timestamp()))
        .ok_or_else(|| {
            refuse(
                "expires",
                format!("{text:?} is not a date; use 2027-01-31 or 2027-01-31T00:00:00Z"),
            )
        })
}

fn seats(grants: BTreeMap<String, SeatGrant>) -> Result<BTreeMap<String, SeatGrant>> {
    if grants.len() > MAX_ITEMS {
        return Err(refuse("seats", format!("at most {MAX_ITEMS} plugins")));
    }
    for (plugin, grant) in &grants {
        names("seats", vec![plugin.clone()])?;
        if grant.roles.len() > MAX_ITEMS {
            return Err(refuse(
                "seats",
                format!("at most {MAX_ITEMS} roles per plugin"),
            ));
        }
        names("seats", grant.roles.keys().cloned().collect())?;
    }
    Ok(grants)
}

pub(crate) fn caps(caps: BTreeMap<String, i64>) -> Result<BTreeMap<String, i64>> {
    if caps.len() > MAX_ITEMS {
        return Err(refuse("caps", format!("at most {MAX_ITEMS} caps")));
    }
    for (name, value) in &caps {
        names("caps", vec![name.clone()])?;
        if *value < 0 {
            return Err(refuse(
                "caps",
                format!("{name} must not be negative ({value})"),
            ));
        }
    }
    Ok(caps)
}

impl TryFrom<IssueInput> for IssueRequest {
    type Error = Error;

    fn try_from(input: IssueInput) -> Result<Self> {
        let email = Email::parse(input.email.trim()).map_err(|e| refuse("email", e))?;
        let company = optional_text("company", Some(input.company), MAX_COMPANY)?
            .ok_or_else(|| refuse("company", "required"))?;
        let tier: Tier = input.tier.trim().parse().map_err(|e| refuse("tier", e))?;
        let kind = match input.kind.as_deref().map(str::trim) {
            None | Some("") => LicenseKind::Perpetual,
            Some(kind) => kind.parse().map_err(|e| refuse("kind", e))?,
        };
        let product = ProductKey::parse(input.product.trim()).map_err(|e| refuse("product", e))?;
        let domains = names("domains", input.domains)?
            .iter()
            .map(|d| Domain::parse(d).map_err(|e| refuse("domains", e)))
            .collect::<Result<Vec<_>>>()?;
        if domains.is_empty() {
            return Err(refuse("domains", "bind at least one domain (or localhost)"));
        }
        Ok(Self {
            email,
            company,
            tax_id: optional_text("tax_id", input.tax_id, MAX_NAME)?,
            tier,
            kind,
            product,
            plan: optional_text("plan", input.plan, MAX_NAME)?,
            expires_at: expiry(input.expires_at)?,
            support_period: optional_text("support_period", input.support_period, MAX_NAME)?
                .as_deref()
                .map(SupportPeriod::parse)
                .transpose()?,
            features: names("features", input.features)?,
            plugins: names("plugins", input.plugins)?,
            themes: names("themes", input.themes)?,
            niches: names("niches", input.niches)?,
            domains,
            seats: seats(input.seats)?,
            caps: caps(input.caps)?,
            node_lock: optional_text("node_lock", input.node_lock, MAX_NAME)?,
            early_adopter: input.early_adopter,
            send_email: input.send_email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> IssueInput {
        IssueInput {
            email: "ops@example.com".into(),
            company: "Example".into(),
            tier: "pro".into(),
            product: "studio".into(),
            domains: vec!["example.com".into()],
            ..IssueInput::default()
        }
    }

    fn refusal(change: impl FnOnce(&mut IssueInput)) -> String {
        let mut input = input();
        change(&mut input);
        IssueRequest::try_from(input).unwrap_err().to_string()
    }

    #[test]
    fn support_periods_read_as_people_write_them() {
        assert_eq!(
            SupportPeriod::parse("12mo").unwrap(),
            SupportPeriod::Months(12)
        );
        assert_eq!(
            SupportPeriod::parse("1y").unwrap(),
            SupportPeriod::Months(12)
        );
        assert_eq!(SupportPeriod::parse("6w").unwrap(), SupportPeriod::Days(42));
        assert!(SupportPeriod::parse("12").is_err());
        assert!(SupportPeriod::parse("0mo").is_err());
        assert!(SupportPeriod::parse("mo").is_err());
    }

    #[test]
    fn a_plain_request_reads_with_a_perpetual_kind_and_sorted_lists() {
        let mut raw = input();
        raw.features = vec![" sso".into(), "audit".into(), "sso".into(), String::new()];
        let req = IssueRequest::try_from(raw).unwrap();
        assert_eq!(req.kind, LicenseKind::Perpetual);
        assert_eq!(req.features, ["audit", "sso"]);
        assert_eq!(req.domains[0].as_ref(), "example.com");
    }

    #[test]
    fn each_refusal_names_its_field() {
        assert_eq!(
            refusal(|i| i.domains.clear()),
            "domains: bind at least one domain (or localhost)"
        );
        assert!(
            refusal(|i| i.tier = "platinum".into()).starts_with("tier: unknown tier \"platinum\"")
        );
        assert!(refusal(|i| i.email = "nobody".into()).starts_with("email: "));
        assert_eq!(refusal(|i| i.company = "  ".into()), "company: required");
        assert!(refusal(|i| i.expires_at = Some("soon".into())).starts_with("expires: "));
        assert!(
            refusal(|i| i.caps.insert("rooms".into(), -1).map_or((), drop))
                .contains("rooms must not be negative")
        );
        assert!(
            refusal(|i| i.features = (0..=MAX_ITEMS).map(|n| format!("f{n}")).collect())
                .contains("at most 64 items")
        );
        assert!(refusal(|i| i.plugins = vec!["x".repeat(MAX_NAME + 1)])
            .contains("at most 64 characters"));
    }

    #[test]
    fn a_date_and_an_rfc3339_time_both_read_as_an_expiry() {
        assert_eq!(
            expiry(Some("2027-01-31".into())).unwrap(),
            Some(1_801_353_600)
        );
        assert_eq!(
            expiry(Some("2027-01-31T00:00:00Z".into())).unwrap(),
            Some(1_801_353_600)
        );
        assert_eq!(expiry(Some(" ".into())).unwrap(), None);
    }
}
