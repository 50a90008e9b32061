//! The hasher of the compiler's interning tables.
//!
//! The keys (nodes, leaves, rule lists, instruction classes) are small integers and short
//! vectors of them, hashed tens of thousands of times per compile; SipHash, the standard
//! library's default, spends more time there than the code generator itself. This is the
//! multiply-rotate hash of `rustc-hash` (as rustc uses for the same kind of tables): fast
//! on integers, deterministic, and not meant to resist chosen collisions, which only slow
//! down a compile of the caller's own profile.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// See the module docs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = self.hash.wrapping_add(word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the best-mixed bits at the top; the table indexes with the low
        // ones and tags with the top seven.
        self.hash.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::{FastHasher, FastMap};

    #[test]
    fn equal_keys_hash_equal_and_neighbours_differ() {
        let b = BuildHasherDefault::<FastHasher>::default();
        assert_eq!(b.hash_one((1u32, 2u64)), b.hash_one((1u32, 2u64)));
        let hashes: std::collections::BTreeSet<u64> = (0u32..1000).map(|i| b.hash_one(i)).collect();
        assert_eq!(hashes.len(), 1000);
        assert_ne!(b.hash_one(vec![1u32, 2]), b.hash_one(vec![2u32, 1]));
    }

    #[test]
    fn a_map_works_as_a_map() {
        let mut m: FastMap<Vec<u32>, usize> = FastMap::default();
        for i in 0..500u32 {
            m.insert(vec![i, i * 3], i as usize);
        }
        assert_eq!(m.len(), 500);
        assert_eq!(m.get(&vec![7, 21]), Some(&7));
        assert_eq!(m.get(&vec![7, 22]), None);
    }
}
