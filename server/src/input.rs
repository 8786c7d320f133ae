//! Parsing of the compact notations operators type (CLI flags and form fields).

use std::collections::BTreeMap;

use anyhow::Context as _;
use tessera_license::claims::SeatGrant;

/// Splits a comma- or newline-separated field into trimmed, non-empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_count<'a, N: std::str::FromStr>(
    flag: &str,
    spec: &'a str,
) -> anyhow::Result<(&'a str, N)> {
    let (name, n) = spec
        .split_once('=')
        .with_context(|| format!("{flag}: {spec:?} is not NAME=N"))?;
    let n = n
        .trim()
        .parse()
        .ok()
        .with_context(|| format!("{flag}: {spec:?} needs a whole number after ="))?;
    anyhow::ensure!(!name.trim().is_empty(), "{flag}: {spec:?} has no name");
    Ok((name.trim(), n))
}

/// `crm.agent=5` grants 5 seats of role agent; `crm=10` a pool of 10. `flag` names the
/// field or flag in messages.
pub fn parse_seats(flag: &str, specs: &[String]) -> anyhow::Result<BTreeMap<String, SeatGrant>> {
    let mut seats: BTreeMap<String, SeatGrant> = BTreeMap::new();
    for spec in specs {
        let (name, n) = split_count(flag, spec)?;
        match name.split_once('.') {
            Some((plugin, role)) => {
                seats
                    .entry(plugin.to_string())
                    .or_default()
                    .roles
                    .insert(role.to_string(), n);
            }
            None => seats.entry(name.to_string()).or_default().pool = Some(n),
        }
    }
    Ok(seats)
}

/// `rooms=10` caps rooms at 10 (the rules refuse a negative cap, not this notation).
pub fn parse_caps(flag: &str, specs: &[String]) -> anyhow::Result<BTreeMap<String, i64>> {
    specs
        .iter()
        .map(|s| split_count(flag, s).map(|(k, n)| (k.to_string(), n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_read_as_roles_or_a_pool() {
        let specs = ["crm.agent=5".into(), "crm=10".into(), "hr.admin=1".into()];
        let seats = parse_seats("--seats", &specs).unwrap();
        assert_eq!(seats["crm"].roles["agent"], 5);
        assert_eq!(seats["crm"].pool, Some(10));
        assert_eq!(seats["hr"].roles["admin"], 1);
        assert!(parse_seats("--seats", &["crm.agent=many".into()]).is_err());
        assert!(parse_seats("--seats", &["=3".into()]).is_err());
    }

    #[test]
    fn lists_split_on_commas_and_lines() {
        assert_eq!(split_list(" a, b\nc ,, "), vec!["a", "b", "c"]);
    }
}
