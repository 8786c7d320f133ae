//! `tessera keys ...`: signing keys.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use tessera_backend::keys::KeyInfo;
use tessera_backend::Backend;

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
    /// Generate a key. The first key signs at once; later ones start as accepted.
    Generate {
        /// Key id (default: the key's RFC 7638 thumbprint, shortened).
        #[arg(long)]
        kid: Option<String>,
    },
    /// Import a PEM: a PKCS#8 private key (signing) or an SPKI public key (verify-only).
    Import {
        /// The PEM file, e.g. written by `openssl genpkey -algorithm Ed25519`.
        #[arg(long, value_name = "FILE")]
        pem: PathBuf,
        /// Key id (default: the thumbprint).
        #[arg(long)]
        kid: Option<String>,
    },
    /// List keys and their status.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make a key the one that signs (the previous one stays accepted).
    Activate {
        /// The key id.
        kid: String,
    },
    /// Retire a key (refused while unexpired licenses use it).
    Retire {
        /// The key id.
        kid: String,
    },
    /// Print the JWKS that /.well-known/jwks.json publishes.
    Jwks,
    /// Print a key's public half as SPKI PEM.
    ExportPublic {
        /// The key id.
        kid: String,
    },
}

fn describe(key: &KeyInfo) -> String {
    let role = if key.can_sign {
        "signing"
    } else {
        "verify-only"
    };
    format!("{}\t{}\t{}", key.kid, key.status.as_str(), role)
}

pub(super) async fn run(cmd: KeysCommand, backend: Backend) -> anyhow::Result<()> {
    let actor = super::cli_actor();
    match cmd {
        KeysCommand::Generate { kid } => {
            let key = backend.generate_key(kid.as_deref(), &actor).await?;
            println!("{}", describe(&key));
        }
        KeysCommand::Import { pem, kid } => {
            let text = std::fs::read_to_string(&pem)
                .with_context(|| format!("reading {}", pem.display()))?;
            let key = backend.import_key(&text, kid.as_deref(), &actor).await?;
            println!("{}", describe(&key));
        }
        KeysCommand::List { json } => {
            let keys = backend.list_keys().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else {
                println!("KID\tSTATUS\tUSE");
                keys.iter().for_each(|k| println!("{}", describe(k)));
            }
        }
        KeysCommand::Activate { kid } => {
            println!("{}", describe(&backend.activate_key(&kid, &actor).await?));
        }
        KeysCommand::Retire { kid } => {
            println!("{}", describe(&backend.retire_key(&kid, &actor).await?));
        }
        KeysCommand::Jwks => println!("{}", serde_json::to_string_pretty(&backend.jwks().await?)?),
        KeysCommand::ExportPublic { kid } => print!("{}", backend.export_public_key(&kid).await?),
    }
    Ok(())
}
