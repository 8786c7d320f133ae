//! `tessera license list` and `tessera license show`.

use tessera_backend::store::{LicenseQuery, StatusFilter};
use tessera_backend::Backend;

use super::format_time;
use crate::views::{LicenseDetailJson, LicenseListJson};

pub(super) async fn list(
    backend: &Backend,
    status: Option<StatusFilter>,
    search: Option<String>,
    limit: i64,
    json: bool,
) -> anyhow::Result<()> {
    let query = LicenseQuery {
        status,
        search,
        limit,
        ..LicenseQuery::default()
    };
    let page = backend.list_licenses(query).await?;
    if json {
        let page = LicenseListJson::from(page);
        println!("{}", serde_json::to_string_pretty(&page)?);
        return Ok(());
    }
    println!("ID\tSTATUS\tTIER\tKIND\tCOMPANY\tEMAIL\tEXPIRES");
    for l in &page.rows {
        let expires = l
            .expires_at
            .map_or_else(|| "never".to_string(), format_time);
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            l.id, l.status, l.tier, l.kind, l.company, l.customer_email, expires
        );
    }
    eprintln!("{} of {} license(s)", page.rows.len(), page.total);
    Ok(())
}

pub(super) async fn show(backend: &Backend, id: &str, json: bool) -> anyhow::Result<()> {
    let detail = backend.license_detail(id).await?;
    if json {
        let detail = LicenseDetailJson::from(detail);
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(());
    }
    let l = &detail.license;
    println!("license:   {}", l.id);
    println!(
        "status:    {}{}",
        l.status,
        l.revoke_reason
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    println!(
        "customer:  {} <{}>{}",
        l.company,
        l.customer_email,
        l.tax_id
            .as_ref()
            .map(|t| format!(", {t}"))
            .unwrap_or_default()
    );
    println!("product:   {} — {} ({})", l.product, l.tier, l.kind);
    println!(
        "kid:       {}{}",
        l.kid,
        if detail.rotate_before_retire {
            " (rotate before retire)"
        } else {
            ""
        }
    );
    println!("issued:    {}", format_time(l.created_at));
    println!(
        "expires:   {}",
        l.expires_at
            .map_or_else(|| "never".to_string(), format_time)
    );
    println!(
        "support:   {}",
        l.support_until.map_or_else(|| "—".to_string(), format_time)
    );
    println!(
        "heartbeat: {}",
        l.last_heartbeat_at
            .map_or_else(|| "never".to_string(), format_time)
    );
    for install in &detail.installs {
        println!(
            "install:   {} (last seen {}, v{})",
            install.install_id,
            format_time(install.last_seen),
            install.last_version
        );
    }
    for anomaly in &detail.anomalies {
        println!("anomaly:   {} — {}", anomaly.kind, anomaly.detail);
    }
    for event in &detail.history {
        println!(
            "history:   {} {} by {}",
            format_time(event.at),
            event.action,
            event.actor
        );
    }
    Ok(())
}
