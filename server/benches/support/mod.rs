//! What the benchmarks share: a server child process that is killed when dropped, and
//! numeric knobs from the environment.

use std::process::Child;

mod env;
pub use env::env_or;

/// The `tessera serve` child process; killed (and reaped) when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
