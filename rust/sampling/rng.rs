//! SplitMix64, the uniform generator shared with the pure-Python reference
//! (`framesieve/reference/rng.py`): same seed, bit-identical draws.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The SplitMix64 increment (the golden ratio in 64-bit fixed point).
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function applied to an (already advanced) state.
#[inline]
pub fn mix(state: u64) -> u64 {
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The top 53 bits of `x` as a double in [0, 1) (exact: no rounding happens).
#[inline]
pub fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A lock-free SplitMix64 stream. Each call to [`Rng::reserve`] takes a block
/// of consecutive draws with a single `fetch_add`, so one evaluation's draws are
/// never interleaved with another thread's, and the multiset of all draws made
/// by any number of threads equals the serial sequence.
#[derive(Debug)]
pub struct Rng {
    state: AtomicU64,
}

/// A block of `count` consecutive draws taken from an [`Rng`].
#[derive(Debug, Clone, Copy)]
pub struct Draws {
    base: u64,
    count: u64,
}

impl Draws {
    /// The `i`-th uniform draw of the block, in [0, 1).
    #[inline]
    pub fn get(&self, i: u64) -> f64 {
        debug_assert!(i < self.count);
        unit_f64(mix(self.base.wrapping_add(GAMMA.wrapping_mul(i + 1))))
    }
}

impl Rng {
    /// A stream starting at `seed` (the state before the first draw).
    pub fn new(seed: u64) -> Self {
        Rng {
            state: AtomicU64::new(seed),
        }
    }

    /// A stream seeded from the OS's per-process random keys, the clock and a
    /// stack address (no extra crate: std's `RandomState` is OS-seeded).
    pub fn from_entropy() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        hasher.write_u128(nanos);
        let marker = 0u8;
        hasher.write_usize(std::ptr::addr_of!(marker) as usize);
        Rng::new(mix(hasher.finish()))
    }

    /// Takes the next `count` draws atomically.
    #[inline]
    pub fn reserve(&self, count: u64) -> Draws {
        let base = self
            .state
            .fetch_add(GAMMA.wrapping_mul(count), Ordering::Relaxed);
        Draws { base, count }
    }

    /// The next single draw (a convenience over [`Rng::reserve`]).
    pub fn next_f64(&self) -> f64 {
        self.reserve(1).get(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_outputs_of_seed_zero() {
        // The published SplitMix64 outputs for seed 0 (Vigna's splitmix64.c).
        let expected = [
            0xE220_A839_7B1D_CDAFu64,
            0x6E78_9E6A_A1B9_65F4,
            0x06C4_5D18_8009_454F,
        ];
        let mut state = 0u64;
        for want in expected {
            state = state.wrapping_add(GAMMA);
            assert_eq!(mix(state), want);
        }
        let rng = Rng::new(0);
        for want in expected {
            assert_eq!(rng.next_f64(), unit_f64(want));
        }
    }

    #[test]
    fn unit_is_in_half_open_interval() {
        assert_eq!(unit_f64(0), 0.0);
        assert!(unit_f64(u64::MAX) < 1.0);
        assert_eq!(unit_f64(u64::MAX), 1.0 - f64::EPSILON / 2.0);
    }

    #[test]
    fn reserved_block_equals_single_draws() {
        let a = Rng::new(12345);
        let b = Rng::new(12345);
        let block = a.reserve(5);
        for i in 0..5 {
            assert_eq!(block.get(i), b.next_f64());
        }
        assert_eq!(a.next_f64(), b.next_f64());
    }

    #[test]
    fn entropy_seeds_differ() {
        assert_ne!(
            Rng::from_entropy().next_f64(),
            Rng::from_entropy().next_f64()
        );
    }
}
