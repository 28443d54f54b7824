//! Diversity selection on embeddings (pure Rust, no pyo3): a frame is novel
//! when its embedding's cosine distance to every recently kept frame's exceeds
//! a threshold, fixed or adapted to a target share of kept frames.
//!
//! `embedding` makes a unit `f32` vector of the caller's values, `kept` holds
//! the kept ones in a bounded ring buffer, `kernel` scans them (the largest
//! dot product, `1 - ` the smallest distance), `threshold` decides.

pub mod embedding;
pub mod error;
pub mod kept;
pub mod kernel;
pub mod settings;
pub mod threshold;

pub use embedding::unit_vector;
pub use error::DiversityError;
pub use kept::KeptVectors;
pub use settings::{DiversitySettings, Mode, DEFAULT_MAX_KEPT, MAX_DIM, MAX_MAX_KEPT};
pub use threshold::Threshold;

/// The kept vectors of one source and its threshold.
#[derive(Debug, Clone)]
pub struct Diversity {
    settings: DiversitySettings,
    kept: KeptVectors,
    threshold: Threshold,
}

impl Diversity {
    pub fn new(settings: DiversitySettings) -> Self {
        Diversity {
            settings,
            kept: KeptVectors::new(settings.window_seconds, settings.max_kept),
            threshold: Threshold::new(settings.mode),
        }
    }

    pub fn settings(&self) -> DiversitySettings {
        self.settings
    }

    pub fn kept(&self) -> &KeptVectors {
        &self.kept
    }

    /// The threshold now (target mode: `None` until a distance was measured).
    pub fn threshold(&self) -> Option<f64> {
        self.threshold.current()
    }

    /// The smallest cosine distance, in [0, 2], from `unit` to a kept vector
    /// within the window of `now`; `None` when there is none. Fixes the
    /// dimension on first use, and checks it afterwards.
    pub fn nearest(&mut self, unit: &[f32], now: f64) -> Result<Option<f64>, DiversityError> {
        kept::check_time(now)?;
        self.kept.check_dim(unit)?;
        let best = self.kept.max_dot(unit, now)?;
        Ok(best.map(|d| (1.0 - f64::from(d)).clamp(0.0, 2.0)))
    }

    /// Whether `unit` is novel at `now` (target mode adapts its threshold).
    pub fn check(&mut self, unit: &[f32], now: f64) -> Result<bool, DiversityError> {
        let nearest = self.nearest(unit, now)?;
        Ok(self.threshold.decide(nearest))
    }

    /// Remembers `unit` as kept at `now`.
    pub fn add(&mut self, unit: &[f32], now: f64) -> Result<(), DiversityError> {
        self.kept.add(unit, now)
    }

    /// `check`, then `add` when novel; returns `check`'s answer.
    pub fn offer(&mut self, unit: &[f32], now: f64) -> Result<bool, DiversityError> {
        let novel = self.check(unit, now)?;
        if novel {
            self.add(unit, now)?;
        }
        Ok(novel)
    }

    /// Forgets every kept vector, the dimension and the adapted threshold.
    pub fn clear(&mut self) {
        self.kept.clear();
        self.threshold.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(angle: f64) -> Vec<f32> {
        unit_vector(&[angle.cos(), angle.sin()]).unwrap()
    }

    #[test]
    fn no_two_kept_vectors_are_closer_than_the_distance() {
        let settings = DiversitySettings::new(Some(0.05), None, None, 1000).unwrap();
        let mut div = Diversity::new(settings);
        let mut kept: Vec<f64> = Vec::new();
        for i in 0..500 {
            let angle = f64::from(i) * 0.37 % std::f64::consts::TAU;
            if div.offer(&unit(angle), 0.0).unwrap() {
                kept.push(angle);
            }
        }
        assert!(kept.len() > 5);
        for (i, a) in kept.iter().enumerate() {
            for b in &kept[i + 1..] {
                assert!(1.0 - (a - b).cos() > 0.05 - 1e-6, "{a} {b}");
            }
        }
    }

    #[test]
    fn nearest_is_the_cosine_distance() {
        let settings = DiversitySettings::new(Some(0.5), None, Some(1.0), 4).unwrap();
        let mut div = Diversity::new(settings);
        assert_eq!(div.nearest(&unit(0.0), 0.0).unwrap(), None);
        div.add(&unit(0.0), 0.0).unwrap();
        let d = div
            .nearest(&unit(std::f64::consts::FRAC_PI_2), 0.5)
            .unwrap()
            .unwrap();
        assert!((d - 1.0).abs() < 1e-6);
        let d = div
            .nearest(&unit(std::f64::consts::PI), 0.5)
            .unwrap()
            .unwrap();
        assert!((d - 2.0).abs() < 1e-6);
        assert!(div.nearest(&[1.0, 0.0, 0.0], 0.0).is_err());
        div.clear();
        assert_eq!(div.kept().dim(), None);
    }
}
