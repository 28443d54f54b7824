//! The unit vectors of recently kept frames: one contiguous `f32` slab in a
//! ring buffer, bounded by `max_kept` (the oldest is overwritten when full),
//! each with its time.
//!
//! The slab grows by doubling up to `max_kept` rows (a source that keeps few
//! frames holds little memory) and is laid out again in age order when it
//! grows. The occupied rows are at most two contiguous runs of the slab, each
//! scanned by [`max_dot`](super::kernel::max_dot). A vector counts when its
//! time is at most `window` from the query's (either way: video time may
//! restart); adding evicts, from the oldest end, the vectors out of the window
//! of the time being added.

use super::error::{invalid, DiversityError};
use super::kernel::max_dot;

/// Rows the slab starts with.
const FIRST_ROWS: usize = 8;

#[derive(Debug, Clone)]
pub struct KeptVectors {
    dim: Option<usize>,
    data: Vec<f32>,
    times: Vec<f64>,
    start: usize,
    len: usize,
    window: f64,
    max_kept: usize,
}

pub(crate) fn check_time(now: f64) -> Result<(), DiversityError> {
    if now.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!(
            "now: must be a finite number of seconds, got {now}"
        )))
    }
}

impl KeptVectors {
    /// An empty set; `window` may be `INFINITY` (no time limit).
    pub fn new(window: f64, max_kept: usize) -> Self {
        KeptVectors {
            dim: None,
            data: Vec::new(),
            times: Vec::new(),
            start: 0,
            len: 0,
            window,
            max_kept: max_kept.max(1),
        }
    }

    /// The dimension of every vector, fixed by the first one checked or added.
    pub fn dim(&self) -> Option<usize> {
        self.dim
    }

    /// Vectors held (expired ones included until an `add` evicts them).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every vector, and the dimension.
    pub fn clear(&mut self) {
        *self = KeptVectors::new(self.window, self.max_kept);
    }

    /// Fixes the dimension on first use; afterwards `unit` must have it.
    pub fn check_dim(&mut self, unit: &[f32]) -> Result<(), DiversityError> {
        match self.dim {
            None => {
                self.dim = Some(unit.len());
                Ok(())
            }
            Some(d) if d == unit.len() => Ok(()),
            Some(d) => Err(invalid(format!(
                "embedding: expected {d} values (the dimension of the first embedding of this source), got {}",
                unit.len()
            ))),
        }
    }

    /// The largest dot product of `unit` with a vector within the window of
    /// `now`, or `None` when there is none. `unit` must have the set's dimension.
    pub fn max_dot(&self, unit: &[f32], now: f64) -> Result<Option<f32>, DiversityError> {
        check_time(now)?;
        let Some(dim) = self.dim else {
            return Ok(None);
        };
        if self.len == 0 || dim != unit.len() {
            return Ok(None);
        }
        let rows = self.times.len();
        let end = self.start + self.len;
        let window = self.window;
        let times = &self.times;
        let mut best: Option<f32> = None;
        let mut run = |first: usize, last: usize| {
            let within = |row: usize| (now - times[first + row]).abs() <= window;
            let found = if window.is_infinite() {
                max_dot(&self.data[first * dim..last * dim], unit, &|_| true)
            } else {
                max_dot(&self.data[first * dim..last * dim], unit, &within)
            };
            if let Some((_, d)) = found {
                best = Some(best.map_or(d, |b| b.max(d)));
            }
        };
        run(self.start, end.min(rows));
        if end > rows {
            run(0, end - rows);
        }
        Ok(best)
    }

    /// Remembers `unit` at `now`: evicts expired vectors from the oldest end,
    /// then, when `max_kept` are held, overwrites the oldest.
    pub fn add(&mut self, unit: &[f32], now: f64) -> Result<(), DiversityError> {
        check_time(now)?;
        self.check_dim(unit)?;
        let dim = unit.len();
        while self.len > 0 && (now - self.times[self.start]).abs() > self.window {
            self.start = (self.start + 1) % self.times.len();
            self.len -= 1;
        }
        if self.len == self.times.len() && self.len < self.max_kept {
            self.grow(dim);
        }
        let rows = self.times.len();
        let slot = if self.len == rows {
            // Full at max_kept: the oldest makes room.
            let oldest = self.start;
            self.start = (self.start + 1) % rows;
            self.len -= 1;
            oldest
        } else {
            (self.start + self.len) % rows
        };
        self.data[slot * dim..(slot + 1) * dim].copy_from_slice(unit);
        self.times[slot] = now;
        self.len += 1;
        Ok(())
    }

    /// Doubles the slab (at most `max_kept` rows), the held vectors first, oldest first.
    fn grow(&mut self, dim: usize) {
        let rows = self.times.len();
        let new_rows = (rows * 2).max(FIRST_ROWS).min(self.max_kept);
        let mut data = Vec::with_capacity(new_rows * dim);
        let mut times = Vec::with_capacity(new_rows);
        for i in 0..self.len {
            let row = (self.start + i) % rows;
            data.extend_from_slice(&self.data[row * dim..(row + 1) * dim]);
            times.push(self.times[row]);
        }
        data.resize(new_rows * dim, 0.0);
        times.resize(new_rows, f64::NAN);
        self.data = data;
        self.times = times;
        self.start = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(angle: f64) -> Vec<f32> {
        vec![angle.cos() as f32, angle.sin() as f32]
    }

    #[test]
    fn the_window_counts_either_way_and_add_evicts() {
        let mut k = KeptVectors::new(5.0, 100);
        assert_eq!(k.max_dot(&unit(0.0), 0.0).unwrap(), None);
        k.add(&unit(0.0), 100.0).unwrap();
        assert_eq!(k.max_dot(&unit(0.0), 105.0).unwrap(), Some(1.0));
        assert_eq!(k.max_dot(&unit(0.0), 95.0).unwrap(), Some(1.0));
        assert_eq!(k.max_dot(&unit(0.0), 105.5).unwrap(), None);
        k.add(&unit(1.0), 103.0).unwrap();
        k.add(&unit(2.0), 110.0).unwrap(); // evicts t=100, keeps t=103 (7 s away: also out)
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn bounded_by_max_kept_the_oldest_overwritten() {
        let mut k = KeptVectors::new(f64::INFINITY, 20);
        for i in 0..100 {
            k.add(&unit(f64::from(i) * 0.01), f64::from(i)).unwrap();
            assert_eq!(k.len(), (i as usize + 1).min(20));
            assert!(k.times.len() <= 20);
        }
        // Kept: angles 0.80..0.99; 0.0 is forgotten.
        let d = k.max_dot(&unit(0.0), 0.0).unwrap().unwrap();
        assert!((f64::from(d) - 0.8f64.cos()).abs() < 1e-6);
        let d = k.max_dot(&unit(0.99), 0.0).unwrap().unwrap();
        assert!((d - 1.0).abs() < 1e-6);
    }

    #[test]
    fn growth_keeps_age_order_across_a_wrapped_ring() {
        let mut k = KeptVectors::new(10.0, 64);
        for i in 0..8 {
            k.add(&unit(f64::from(i)), f64::from(i)).unwrap();
        }
        // t = 13 evicts t = 0..2: the ring's start moves, then it wraps and grows.
        for i in 13..30 {
            k.add(&unit(f64::from(i)), f64::from(i)).unwrap();
        }
        assert_eq!(k.len(), 11); // t = 19..29
        for i in 19..30 {
            let d = k.max_dot(&unit(f64::from(i)), 29.0).unwrap().unwrap();
            assert!((d - 1.0).abs() < 1e-6, "t = {i}");
        }
        let d = k.max_dot(&unit(18.0), 29.0).unwrap().unwrap();
        assert!(d < 0.9999);
    }

    #[test]
    fn the_dimension_is_fixed_by_the_first_vector() {
        let mut k = KeptVectors::new(1.0, 4);
        k.add(&[1.0, 0.0, 0.0], 0.0).unwrap();
        let err = k.add(&[1.0, 0.0], 0.0).unwrap_err().to_string();
        assert!(
            err.contains("expected 3 values") && err.contains("got 2"),
            "{err}"
        );
        assert!(k.max_dot(&[1.0], f64::NAN).is_err());
        k.clear();
        assert_eq!(k.dim(), None);
        k.add(&[1.0], 0.0).unwrap();
    }
}
