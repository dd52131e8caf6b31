//! A hasher for ids that are already uniformly random.

use std::hash::Hasher;

/// Hashes random ids (UUID v4) by folding their bytes: they are already uniformly
/// random, and SipHash over a million of them made large scenarios slow to build.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(23) ^ u64::from_le_bytes(b);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
