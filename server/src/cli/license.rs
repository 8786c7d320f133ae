//! `tessera license ...`: issue a license, verify a token.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::{Args, Subcommand};
use tessera_backend::licenses::{verify_token, IssueInput, IssueRequest};
use tessera_backend::store::StatusFilter;
use tessera_backend::{now, Config};
use tessera_license::claims::{Claims, LicenseKind, Tier};
use tessera_license::jws;
use tessera_license::keys::{import_pem, ImportedKey, Jwks, KeySet};
use tessera_license::vocab::StateName;
use tessera_license::Kid;

#[derive(Debug, Subcommand)]
pub(super) enum LicenseCommand {
    /// Sign and record a license; the token is the last line of stdout.
    Issue(Box<IssueArgs>),
    /// Check a token: exit 0 with its claims and state when it is authentic and usable now.
    Verify(VerifyArgs),
    /// Answer an air-gapped install's heartbeat request file: the answer file (newest token,
    /// status) goes to `--out`, or to stdout.
    Answer {
        /// The request file the install exported from its /license page (`-` for stdin).
        file: PathBuf,
        /// Where to write the answer file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Renew a license: sign it again with a later expiry. Installs that used it rotate the
    /// new token in at their next heartbeat; the token is the last line of stdout.
    Renew {
        /// The license id.
        id: String,
        /// The new expiry: a date (2027-01-31) or RFC 3339.
        #[arg(long)]
        expires: String,
    },
    /// Revoke a license at once (installs stop at their next heartbeat; no grace).
    Revoke {
        /// The license id.
        id: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// List licenses, newest first.
    List {
        /// Only licenses in this state (`active` and `expired` split the active ones by expiry).
        #[arg(long)]
        status: Option<StatusFilter>,
        /// E-mail, company or tax id prefix, or a license id.
        #[arg(long)]
        search: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one license: claims, history, installs, anomalies.
    Show {
        /// The license id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(super) struct IssueArgs {
    /// Customer e-mail.
    #[arg(long)]
    email: String,
    /// Customer company name.
    #[arg(long)]
    company: String,
    /// Customer tax id (CIF/VAT).
    #[arg(long)]
    tax_id: Option<String>,
    /// The tier (read by the same rules as the form and the API; see --help).
    #[arg(long, long_help = words_help::<Tier>("The tier", Tier::ALL))]
    tier: String,
    /// perpetual (the default), subscription or trial.
    #[arg(long, long_help = words_help::<LicenseKind>("How the license lapses", LicenseKind::ALL))]
    kind: Option<String>,
    /// Product key (the token's `aud`).
    #[arg(long)]
    product: String,
    /// Plan name.
    #[arg(long)]
    plan: Option<String>,
    /// Expiry: a date (2027-01-31) or RFC 3339 (2027-01-31T00:00:00Z). Not for perpetual licenses.
    #[arg(long)]
    expires: Option<String>,
    /// Support beyond the 30 days every license gets: e.g. 12mo, 1y, 6w, 90d.
    #[arg(long)]
    support_period: Option<String>,
    /// A feature flag (repeatable).
    #[arg(long = "feature")]
    features: Vec<String>,
    /// A licensed plugin (repeatable).
    #[arg(long = "plugin")]
    plugins: Vec<String>,
    /// A licensed theme (repeatable).
    #[arg(long = "theme")]
    themes: Vec<String>,
    /// A niche package (repeatable).
    #[arg(long = "niche")]
    niches: Vec<String>,
    /// A bound domain: registrable domain (eTLD+1) or localhost (repeatable).
    #[arg(long = "domain")]
    domains: Vec<String>,
    /// Seats: PLUGIN.ROLE=N for a role, PLUGIN=N for a pool (repeatable).
    #[arg(long = "seats", value_name = "PLUGIN[.ROLE]=N")]
    seats: Vec<String>,
    /// A cap: NAME=N, e.g. rooms=10 (repeatable).
    #[arg(long = "cap", value_name = "NAME=N")]
    caps: Vec<String>,
    /// Node-lock fingerprint.
    #[arg(long)]
    node_lock: Option<String>,
    /// Mark the customer as an early adopter.
    #[arg(long)]
    early_adopter: bool,
    /// E-mail the token to the customer (SMTP, or an .eml file in the data dir).
    #[arg(long)]
    send_email: bool,
}

#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// The token, or `-` to read it from stdin.
    token: String,
    /// Verify with this PEM (public SPKI or private PKCS#8) instead of the database's keys.
    #[arg(long, value_name = "PEM", conflicts_with = "jwks")]
    key: Option<PathBuf>,
    /// Verify with the keys of this JWKS file instead of the database's keys.
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,
    /// Require this audience (product key).
    #[arg(long)]
    aud: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(cmd: LicenseCommand, config: Config) -> anyhow::Result<ExitCode> {
    match cmd {
        LicenseCommand::Issue(args) => {
            // Read before connecting: a refused request touches nothing.
            let request = IssueRequest::try_from(*args)?;
            let backend = super::connect(config).await?;
            let issued = backend.issue_license(&request, &super::cli_actor()).await?;
            let l = &issued.license;
            let expiry = l
                .expires_at
                .map_or_else(|| "never".to_string(), super::format_time);
            println!(
                "issued {} ({} {}, {}) for {} <{}>, signed by {}, expires {}",
                l.id, l.tier, l.kind, l.product, l.company, l.customer_email, l.kid, expiry
            );
            println!("{}", issued.token);
            Ok(ExitCode::SUCCESS)
        }
        LicenseCommand::Verify(args) => verify(args, config).await,
        LicenseCommand::Answer { file, out } => {
            let request = read_limited(&file)?;
            let backend = super::connect(config).await?;
            let answer = backend.answer_request_file(&request, None).await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{answer}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote the answer file {}", path.display());
                }
                None => println!("{answer}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        LicenseCommand::Renew { id, expires } => {
            let expires_at = tessera_backend::licenses::parse_expiry(&expires)?;
            let backend = super::connect(config).await?;
            let renewed = backend
                .renew_license(&id, expires_at, &super::cli_actor())
                .await?;
            println!(
                "renewed {} until {}",
                renewed.license.id,
                super::format_time(expires_at)
            );
            println!("{}", renewed.token);
            Ok(ExitCode::SUCCESS)
        }
        LicenseCommand::Revoke { id, reason } => {
            let backend = super::connect(config).await?;
            let row = backend
                .revoke_license(&id, &reason, &super::cli_actor())
                .await?;
            println!(
                "revoked {} ({})",
                row.id,
                row.revoke_reason.unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        LicenseCommand::List {
            status,
            search,
            limit,
            json,
        } => {
            let backend = super::connect(config).await?;
            super::listing::list(&backend, status, search, limit, json).await?;
            Ok(ExitCode::SUCCESS)
        }
        LicenseCommand::Show { id, json } => {
            let backend = super::connect(config).await?;
            super::listing::show(&backend, &id, json).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--help` text for a flag that takes one word of a vocabulary.
fn words_help<T: std::fmt::Display>(what: &str, words: &[T]) -> String {
    format!("{what}: {}.", tessera_license::vocab::spelled(words))
}

impl TryFrom<IssueArgs> for IssueRequest {
    type Error = anyhow::Error;

    /// The CLI's notation (repeated flags, `NAME=N` seats and caps) into the one input the
    /// issuing rules read.
    fn try_from(a: IssueArgs) -> anyhow::Result<Self> {
        Ok(IssueRequest::try_from(IssueInput {
            email: a.email,
            company: a.company,
            tax_id: a.tax_id,
            tier: a.tier,
            kind: a.kind,
            product: a.product,
            plan: a.plan,
            expires_at: a.expires,
            support_period: a.support_period,
            features: a.features,
            plugins: a.plugins,
            themes: a.themes,
            niches: a.niches,
            domains: a.domains,
            seats: crate::input::parse_seats("seats", &a.seats)?,
            caps: crate::input::parse_caps("caps", &a.caps)?,
            node_lock: a.node_lock,
            early_adopter: a.early_adopter,
            send_email: a.send_email,
        })?)
    }
}

/// Checks a token through the backend's one verification: offline against `--key` or
/// `--jwks`, or against this server's keys and its record of the license.
async fn verify(args: VerifyArgs, config: Config) -> anyhow::Result<ExitCode> {
    let token = read_token(&args.token)?;
    let aud = args.aud.as_deref();
    let checked = match (&args.key, &args.jwks) {
        (Some(path), _) => verify_token(&token, &keys_from_pem(path, &token)?, aud, now()),
        (None, Some(path)) => verify_token(&token, &keys_from_jwks(path)?, aud, now()),
        (None, None) => {
            let backend = super::connect(config).await?;
            backend.verify_license_token(&token, aud).await?
        }
    };
    let verified = match checked {
        Ok(verified) => verified,
        Err(refused) => {
            if args.json {
                let out = serde_json::json!({ "valid": false, "error": refused.code, "message": refused.message });
                println!("{out}");
            } else {
                eprintln!("invalid: {}", refused.message);
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.json {
        let out = serde_json::json!({ "valid": true, "state": StateName::Active, "kid": verified.kid, "claims": verified.claims });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_claims(&verified.claims, verified.kid.as_deref());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_claims(c: &Claims, kid: Option<&str>) {
    let customer = &c.lic.customer;
    println!("valid: license {} is active", c.sub);
    println!("kid:        {}", kid.unwrap_or("(none)"));
    println!("issuer:     {}", c.iss);
    println!("product:    {}", c.aud);
    println!(
        "tier:       {} ({})",
        c.lic.tier.as_str(),
        c.lic.kind.as_str()
    );
    println!("customer:   {} <{}>", customer.company, customer.email);
    println!("issued:     {}", super::format_time(c.iat));
    println!(
        "expires:    {}",
        c.exp
            .map_or_else(|| "never".to_string(), super::format_time)
    );
    if let Some(until) = c.lic.support_until {
        println!("support:    until {}", super::format_time(until));
    }
    let domains: Vec<&str> = c.lic.domains.iter().map(AsRef::as_ref).collect();
    println!(
        "domains:    {}",
        if domains.is_empty() {
            "(any)".to_string()
        } else {
            domains.join(", ")
        }
    );
    println!("features:   {}", c.lic.features.join(", "));
}

/// A request file (or stdin for `-`), refused past the format's size limit.
fn read_limited(path: &PathBuf) -> anyhow::Result<String> {
    let limit = tessera_backend::airgap::MAX_FILE_BYTES as u64;
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(limit + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("opening {}", path.display()))?
            .take(limit + 1)
            .read_to_string(&mut text)
    };
    read.with_context(|| format!("reading {}", path.display()))?;
    anyhow::ensure!(
        text.len() as u64 <= limit,
        "{}: larger than {limit} bytes",
        path.display()
    );
    Ok(text)
}

fn read_token(arg: &str) -> anyhow::Result<String> {
    if arg != "-" {
        return Ok(arg.trim().to_string());
    }
    let mut input = String::new();
    // Bounded read: a token is small; refuse to buffer an endless stream.
    std::io::stdin()
        .take((jws::MAX_TOKEN_BYTES * 4) as u64)
        .read_to_string(&mut input)
        .context("reading the token from stdin")?;
    Ok(input.trim().to_string())
}

/// The `kid` a token's header names, read without trusting it: a PEM carries no kid, so the
/// one key given with `--key` is pinned under the name the token asks for.
fn header_kid(token: &str) -> Option<Kid> {
    let header = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Kid::parse(value.get("kid")?.as_str()?).ok()
}

fn keys_from_pem(path: &PathBuf, token: &str) -> anyhow::Result<KeySet> {
    let pem =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let public = match import_pem(&pem, header_kid(token))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
    {
        ImportedKey::Private(pair) => pair.public(),
        ImportedKey::Public(public) => public,
    };
    Ok(KeySet::new(vec![public]))
}

fn keys_from_jwks(path: &PathBuf) -> anyhow::Result<KeySet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let jwks: Jwks =
        serde_json::from_str(&text).with_context(|| format!("{} is not a JWKS", path.display()))?;
    KeySet::from_jwks(&jwks).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
