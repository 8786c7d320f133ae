//! Searching licenses: the query, its filters as SQL, keyset paging and cursors.

use tessera_license::vocab::{Freshness, LicenseSort, StatusFilter, SupportFilter, Tier};
use tessera_license::LicenseKind;

use super::{Bind, Filter, LicenseRow};

/// Where the previous page ended: the sort key and id of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseCursor {
    pub key: String,
    pub id: String,
}

impl LicenseCursor {
    /// A compact form for URLs.
    pub fn encode(&self) -> String {
        format!("{}~{}", self.key, self.id)
    }

    /// Reads what [`LicenseCursor::encode`] wrote.
    pub fn decode(text: &str) -> Option<Self> {
        let (key, id) = text.rsplit_once('~')?;
        Some(Self {
            key: key.to_string(),
            id: id.to_string(),
        })
    }
}

/// A search of the license list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseQuery {
    /// E-mail, company or tax id prefix (case-insensitive), or an exact license id.
    pub search: Option<String>,
    /// Exactly this customer e-mail (case-insensitive).
    pub email: Option<String>,
    pub status: Option<StatusFilter>,
    pub tier: Option<Tier>,
    pub kind: Option<LicenseKind>,
    pub niche: Option<String>,
    pub support: Option<SupportFilter>,
    pub freshness: Option<Freshness>,
    pub sort: LicenseSort,
    pub after: Option<LicenseCursor>,
    pub limit: i64,
    pub now: i64,
}

/// Counting stops here: "1,000+" is as useful as an exact figure and keeps every page fast
/// at millions of licenses.
pub const COUNT_CAP: i64 = 1_000;

/// One page of licenses, how many match in all (up to [`COUNT_CAP`]), and where the next
/// page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensePage {
    pub rows: Vec<LicenseRow>,
    /// Matching licenses, or [`COUNT_CAP`] when there are more (`total_capped`).
    pub total: i64,
    pub total_capped: bool,
    pub next: Option<LicenseCursor>,
}

const WEEK: i64 = 7 * 86_400;

/// The smallest string greater than every string starting with `prefix` (binary order).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// The `WHERE` for everything but the cursor.
pub(super) fn filter(q: &LicenseQuery) -> Filter {
    let mut f = Filter::default();
    if let Some(term) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let lc = term.to_lowercase();
        let (lo, hi) = (Bind::Text(lc.clone()), Bind::Text(prefix_end(&lc)));
        f.push(
            "(id = ? OR (email_lc >= ? AND email_lc < ?) OR (company_lc >= ? AND company_lc < ?) \
             OR (tax_id_lc >= ? AND tax_id_lc < ?))",
            [
                Bind::Text(term.to_string()),
                lo.clone(),
                hi.clone(),
                lo.clone(),
                hi.clone(),
                lo,
                hi,
            ],
        );
    }
    if let Some(email) = &q.email {
        f.push("email_lc = ?", [Bind::Text(email.trim().to_lowercase())]);
    }
    let now = Bind::Int(q.now);
    match q.status {
        Some(StatusFilter::Active) => f.push(
            "status = 'active' AND (expires_at IS NULL OR expires_at > ?)",
            [now.clone()],
        ),
        Some(StatusFilter::Expired) => {
            f.push("status = 'active' AND expires_at <= ?", [now.clone()]);
        }
        Some(StatusFilter::Revoked) => f.push("status = 'revoked'", []),
        Some(StatusFilter::Refunded) => f.push("status = 'refunded'", []),
        Some(StatusFilter::Transferred) => f.push("status = 'transferred'", []),
        None => {}
    }
    if let Some(tier) = q.tier {
        f.push("tier = ?", [Bind::Text(tier.to_string())]);
    }
    if let Some(kind) = q.kind {
        f.push("kind = ?", [Bind::Text(kind.to_string())]);
    }
    if let Some(niche) = &q.niche {
        f.push(
            "niches LIKE ?",
            [Bind::Text(format!("%,{},%", niche.replace(['%', '_'], "")))],
        );
    }
    match q.support {
        Some(SupportFilter::Active) => f.push("support_until > ?", [now]),
        Some(SupportFilter::Expired) => f.push("support_until <= ?", [now]),
        None => {}
    }
    match q.freshness {
        Some(Freshness::Day) => f.push("last_heartbeat_at >= ?", [Bind::Int(q.now - 86_400)]),
        Some(Freshness::Week) => f.push("last_heartbeat_at >= ?", [Bind::Int(q.now - WEEK)]),
        Some(Freshness::Stale) => f.push(
            "(last_heartbeat_at IS NULL OR last_heartbeat_at < ?)",
            [Bind::Int(q.now - 30 * 86_400)],
        ),
        None => {}
    }
    f
}

/// Adds the keyset condition and returns the `ORDER BY`.
pub(super) fn keyset(f: &mut Filter, q: &LicenseQuery) -> &'static str {
    let (condition, order) = match q.sort {
        LicenseSort::Newest => ("(created_at, id) < (?, ?)", "created_at DESC, id DESC"),
        LicenseSort::Oldest => ("(created_at, id) > (?, ?)", "created_at ASC, id ASC"),
        LicenseSort::Company => ("(company_lc, id) > (?, ?)", "company_lc ASC, id ASC"),
    };
    if let Some(cursor) = &q.after {
        let key = match q.sort {
            LicenseSort::Company => Bind::Text(cursor.key.clone()),
            _ => Bind::Int(cursor.key.parse().unwrap_or(0)),
        };
        f.push(condition, [key, Bind::Text(cursor.id.clone())]);
    }
    order
}

pub(super) fn cursor_of(row: &LicenseRow, sort: LicenseSort) -> LicenseCursor {
    let key = match sort {
        LicenseSort::Company => row.company.to_lowercase(),
        _ => row.created_at.to_string(),
    };
    LicenseCursor {
        key,
        id: row.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_url_form() {
        let cursor = LicenseCursor {
            key: "acme~ltd".into(),
            id: "lic_1".into(),
        };
        assert_eq!(LicenseCursor::decode(&cursor.encode()), Some(cursor));
    }
}
