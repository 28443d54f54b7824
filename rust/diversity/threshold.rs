//! The novelty threshold: fixed, or adapted so that a target share of the
//! frames checked is kept.
//!
//! Target mode is a multiplicative controller: after each decision the
//! threshold `t` becomes `t * exp(GAIN * (kept - share))` (kept = 1 or 0): up
//! after a keep, down after a refusal, so it settles where the share of keeps
//! is `share`. Summing the logarithms over `n` decisions gives
//! `ln(t_n / t_0) = GAIN * (keeps - share * n)`: with `t` held in
//! [`MIN_THRESHOLD`, 2], the kept share is within `ln(2 / MIN_THRESHOLD) /
//! (GAIN * n)` of the target after `n` decisions — and in practice within
//! `|ln(t_n / t_0)| / (GAIN * n)`, a few percent after a few hundred frames,
//! whatever the scale of the embeddings' distances (the steps are relative).
//! The first distance measured sets `t_0`, so the threshold starts at the scale
//! of the stream's own distances. A share of 1 keeps every frame.

/// Relative step of the controller (about 5% per decision).
pub const GAIN: f64 = 0.05;
/// The smallest adapted threshold (the largest is 2, the largest cosine distance).
pub const MIN_THRESHOLD: f64 = 1e-6;

use super::settings::Mode;

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    mode: Mode,
    current: Option<f64>,
}

impl Threshold {
    pub fn new(mode: Mode) -> Self {
        let current = match mode {
            Mode::MinDistance(d) => Some(d),
            Mode::TargetShare(_) => None,
        };
        Threshold { mode, current }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The threshold now (`None` in target mode before the first distance was measured).
    pub fn current(&self) -> Option<f64> {
        self.current
    }

    /// Whether a frame whose smallest distance to the kept frames is `nearest`
    /// (`None`: no kept frame to compare with) is novel; target mode adapts.
    pub fn decide(&mut self, nearest: Option<f64>) -> bool {
        match self.mode {
            Mode::MinDistance(d) => nearest.map_or(true, |n| n > d),
            // A share of 1 keeps every frame, identical ones included: nothing to adapt.
            Mode::TargetShare(share) if share >= 1.0 => true,
            Mode::TargetShare(share) => {
                if self.current.is_none() {
                    self.current = nearest;
                }
                let novel = match (nearest, self.current) {
                    (Some(n), Some(t)) => n > t,
                    _ => true,
                };
                if let Some(t) = self.current {
                    let step = GAIN * (f64::from(u8::from(novel)) - share);
                    self.current = Some((t * step.exp()).clamp(MIN_THRESHOLD, 2.0));
                }
                novel
            }
        }
    }

    /// Back to the start (target mode measures its first distance again).
    pub fn reset(&mut self) {
        *self = Threshold::new(self.mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_keeps_what_is_farther_than_the_distance() {
        let mut t = Threshold::new(Mode::MinDistance(0.25));
        assert!(t.decide(None));
        assert!(t.decide(Some(0.2500001)));
        assert!(!t.decide(Some(0.25)));
        assert_eq!(t.current(), Some(0.25));
    }

    #[test]
    fn target_share_converges_on_a_stationary_stream() {
        // Distances uniform in [0, 0.4) from a small generator: the share kept must
        // approach the target, and the log identity of the module docs must hold.
        let mut s = 12345u64;
        let mut uniform = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for share in [0.05, 0.2, 0.5, 0.9] {
            let mut t = Threshold::new(Mode::TargetShare(share));
            let n = 4000;
            let mut kept = 0;
            t.decide(None); // no distance yet: kept, nothing to adapt
            let first = {
                let d = 0.4 * uniform();
                kept += usize::from(t.decide(Some(d)));
                d
            };
            for _ in 2..n {
                kept += usize::from(t.decide(Some(0.4 * uniform())));
            }
            let got = (kept + 1) as f64 / n as f64;
            assert!((got - share).abs() < 0.02, "share {share}: kept {got}");
            let bound = (t.current().unwrap() / first).ln().abs() / (GAIN * (n - 1) as f64);
            assert!((kept as f64 / (n - 1) as f64 - share).abs() <= bound + 1e-9);
        }
    }

    #[test]
    fn reset_forgets_the_adapted_threshold() {
        let mut t = Threshold::new(Mode::TargetShare(0.5));
        t.decide(Some(0.3));
        assert!(t.current().is_some());
        t.reset();
        assert_eq!(t.current(), None);
    }
}
