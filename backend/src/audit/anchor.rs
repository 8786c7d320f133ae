//! The anchor: the newest chain head this instance verified, kept outside the database
//! (default `<data_dir>/audit.anchor`) and MAC'd with the chain key.
//!
//! Someone with database access alone can neither forge an anchor nor bring the database back
//! in line with one: deleting the newest rows (and rewinding `audit_head`) leaves the log
//! shorter than the anchor, and rewriting rows changes the hash at the anchored seq. The file
//! is replaced atomically (temporary file, then rename) with mode 0600, and only ever moves
//! forward.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use hmac::Mac as _;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use super::walk::Tip;
use super::ChainKey;

/// Separates anchor MACs from row hashes made with the same key.
const DOMAIN: &str = "tessera audit anchor v1";
const VERSION: u32 = 1;

/// The newest head an instance verified, and where keyed rows began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The anchored row.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// The first keyed row; rows from there on must never carry a legacy hash.
    pub keyed_from: Option<i64>,
}

/// Why the anchor file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// The file exists but is not an anchor this key wrote.
    #[error("the anchor file {} was tampered with (or written under another KEK): {why}", path.display())]
    Tampered { path: PathBuf, why: &'static str },
    /// The file could not be read or written.
    #[error("the anchor file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The file's layout: the fields and their MAC, as JSON.
#[derive(Debug, Serialize, Deserialize)]
struct AnchorFile {
    version: u32,
    seq: i64,
    hash: String,
    keyed_from: Option<i64>,
    mac: String,
}

impl Anchor {
    /// The anchor of a verified tip.
    pub(super) fn of(tip: &Tip) -> Self {
        Self {
            seq: tip.seq,
            hash: tip.hash.clone(),
            keyed_from: tip.keyed_from,
        }
    }

    /// Where a walk may resume from this anchor.
    pub(super) fn tip(&self) -> Tip {
        Tip {
            seq: self.seq,
            hash: self.hash.clone(),
            keyed_from: self.keyed_from,
        }
    }

    /// Reads the anchor at `path`; `None` when there is none yet.
    pub fn load(path: &Path, key: &ChainKey) -> Result<Option<Self>, AnchorError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(AnchorError::Io {
                    path: path.into(),
                    source,
                })
            }
        };
        let tampered = |why| AnchorError::Tampered {
            path: path.into(),
            why,
        };
        let file: AnchorFile =
            serde_json::from_str(&text).map_err(|_| tampered("it is not an anchor"))?;
        if file.version != VERSION {
            return Err(tampered("unknown anchor version"));
        }
        let anchor = Self {
            seq: file.seq,
            hash: file.hash,
            keyed_from: file.keyed_from,
        };
        let mac = hex::decode(&file.mac).map_err(|_| tampered("its MAC is not hex"))?;
        anchor
            .mac(key)
            .verify_slice(&mac)
            .map_err(|_| tampered("its MAC does not verify"))?;
        Ok(Some(anchor))
    }

    /// Writes this anchor to `path` unless the anchor already there is at least as far
    /// ahead; answers whether it wrote. A tampered file is left for an operator to look at.
    pub fn advance(&self, path: &Path, key: &ChainKey) -> Result<bool, AnchorError> {
        if Self::load(path, key)?.is_some_and(|current| current.seq >= self.seq) {
            return Ok(false);
        }
        let file = AnchorFile {
            version: VERSION,
            seq: self.seq,
            hash: self.hash.clone(),
            keyed_from: self.keyed_from,
            mac: hex::encode(self.mac(key).finalize().into_bytes()),
        };
        let mut text = serde_json::to_string(&file).map_err(|e| AnchorError::Io {
            path: path.into(),
            source: io::Error::other(e),
        })?;
        text.push('\n');
        write_atomically(path, text.as_bytes()).map_err(|source| AnchorError::Io {
            path: path.into(),
            source,
        })?;
        Ok(true)
    }

    fn mac(&self, key: &ChainKey) -> hmac::Hmac<sha2::Sha256> {
        let keyed_from = self
            .keyed_from
            .map_or_else(|| "-".into(), |k| k.to_string());
        key.mac_fields(&[DOMAIN, &self.seq.to_string(), &self.hash, &keyed_from])
    }
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the new one, never half.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut suffix = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut suffix);
    let name = path.file_name().map_or_else(
        || "audit.anchor".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let written = create_private(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(err) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    // Make the rename itself durable; not every platform lets a directory be synced.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Kek;

    fn anchor(seq: i64) -> Anchor {
        Anchor {
            seq,
            hash: format!("{seq:064x}"),
            keyed_from: Some(1),
        }
    }

    #[test]
    fn an_anchor_reads_back_under_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("audit.anchor");
        let key = ChainKey::from_kek(&Kek::generate());
        assert_eq!(Anchor::load(&path, &key).unwrap(), None);
        assert!(anchor(7).advance(&path, &key).unwrap());
        assert_eq!(Anchor::load(&path, &key).unwrap(), Some(anchor(7)));
        let other = ChainKey::from_kek(&Kek::generate());
        assert!(matches!(
            Anchor::load(&path, &other),
            Err(AnchorError::Tampered { .. })
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file was renamed into place");
    }

    #[test]
    fn an_edited_anchor_is_reported_as_tampered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.anchor");
        let key = ChainKey::from_kek(&Kek::generate());
        anchor(9).advance(&path, &key).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("\"seq\":9", "\"seq\":4")).unwrap();
        let err = Anchor::load(&path, &key).unwrap_err();
        assert!(err.to_string().contains("tampered"), "{err}");
        fs::write(&path, "not json").unwrap();
        assert!(matches!(
            Anchor::load(&path, &key),
            Err(AnchorError::Tampered { .. })
        ));
    }

    #[test]
    fn the_anchor_only_moves_forward() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.anchor");
        let key = ChainKey::from_kek(&Kek::generate());
        assert!(anchor(5).advance(&path, &key).unwrap());
        assert!(!anchor(3).advance(&path, &key).unwrap());
        assert!(!anchor(5).advance(&path, &key).unwrap());
        assert_eq!(Anchor::load(&path, &key).unwrap(), Some(anchor(5)));
        assert!(anchor(6).advance(&path, &key).unwrap());
        assert_eq!(Anchor::load(&path, &key).unwrap().unwrap().seq, 6);
    }
}
