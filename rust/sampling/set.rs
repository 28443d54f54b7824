//! A set of strategy indices (a bitset that needs no allocation up to 64
//! strategies), iterated in configuration order.

/// Strategy indices, a bitset: the first 64 inline, the rest on the heap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrategySet {
    low: u64,
    high: Vec<u64>,
}

impl StrategySet {
    pub fn new() -> Self {
        StrategySet::default()
    }

    #[inline]
    pub fn insert(&mut self, i: usize) {
        if i < 64 {
            self.low |= 1 << i;
        } else {
            let (word, bit) = ((i - 64) / 64, (i - 64) % 64);
            if self.high.len() <= word {
                self.high.resize(word + 1, 0);
            }
            self.high[word] |= 1 << bit;
        }
    }

    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        if i < 64 {
            self.low >> i & 1 == 1
        } else {
            let (word, bit) = ((i - 64) / 64, (i - 64) % 64);
            self.high.get(word).is_some_and(|w| w >> bit & 1 == 1)
        }
    }

    pub fn len(&self) -> usize {
        self.low.count_ones() as usize
            + self
                .high
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.low == 0 && self.high.iter().all(|&w| w == 0)
    }

    /// The indices in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.low)
            .chain(self.high.iter().copied())
            .enumerate()
            .flat_map(|(w, mut bits)| {
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    Some(w * 64 + b)
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_iterate_in_order_across_words() {
        let mut s = StrategySet::new();
        for i in [200, 3, 64, 0, 63, 127, 128] {
            s.insert(i);
        }
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![0, 3, 63, 64, 127, 128, 200]
        );
        assert_eq!(s.len(), 7);
        assert!(s.contains(128) && !s.contains(129) && !s.contains(1000));
        assert!(StrategySet::new().is_empty());
    }
}
