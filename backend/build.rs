//! Embeds the vendor's JWKS for self-hosted builds: `TESSERA_BUILD_VENDOR_JWKS=path/to/jwks.json
//! cargo build` pins those keys into the binary. Without it nothing is embedded and a
//! self-hosted install reads `TESSERA_VENDOR_JWKS` at start.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=TESSERA_BUILD_VENDOR_JWKS");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let embedded = match std::env::var_os("TESSERA_BUILD_VENDOR_JWKS") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "TESSERA_BUILD_VENDOR_JWKS: cannot read {}: {e}",
                    path.display()
                )
            })
        }
        None => String::new(),
    };
    std::fs::write(out.join("vendor_jwks.json"), embedded).expect("OUT_DIR is writable");
}
