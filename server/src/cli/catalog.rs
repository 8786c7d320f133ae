//! `tessera catalog apply FILE | export`: the catalog as code.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use tessera_backend::catalog::{CatalogSpec, MAX_FILE_BYTES};
use tessera_backend::Backend;

#[derive(Debug, Subcommand)]
pub(super) enum CatalogCommand {
    /// Make the catalog hold what FILE says (YAML): create what is missing, change what
    /// differs, leave alone what FILE does not name. Prints each change; a second run
    /// changes nothing and says so.
    Apply {
        /// The catalog file (`-` reads standard input).
        file: PathBuf,
        /// Print the changes without making them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the whole catalog as a file `apply` reads.
    Export,
}

fn read(file: &PathBuf) -> anyhow::Result<String> {
    let mut text = String::new();
    let limit = MAX_FILE_BYTES as u64 + 1;
    if file.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(file)
            .with_context(|| format!("cannot open {}", file.display()))?
            .take(limit)
            .read_to_string(&mut text)
    }
    .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    Ok(text)
}

pub(super) async fn run(cmd: CatalogCommand, backend: Backend) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::Apply { file, dry_run } => {
            let spec = CatalogSpec::from_yaml(&read(&file)?)?;
            let changes = backend
                .apply_catalog(spec, &super::cli_actor(), dry_run)
                .await?;
            for change in &changes {
                println!("{change}");
            }
            match (changes.len(), dry_run) {
                (0, _) => println!("the catalog already holds this; nothing changed"),
                (n, true) => println!("{n} change(s) to make (dry run: nothing changed)"),
                (n, false) => println!("{n} change(s) made"),
            }
        }
        CatalogCommand::Export => print!("{}", backend.catalog().await?.to_spec().to_yaml()?),
    }
    Ok(())
}
