//! Uncertainty measures of the `uncertainty` sampling strategy, normalised to [0, 1].
//!
//! For a probability vector `p` over `C >= 2` classes (first divided by its
//! sum, as `scipy.stats.entropy` does), with `p1 >= p2` its two largest values:
//!
//! - `entropy`          = `H(p) / ln C`, `H(p) = -sum p_i ln p_i` (0 ln 0 = 0);
//! - `margin`           = `1 - (p1 - p2)`;
//! - `least_confidence` = `(1 - p1) * C / (C - 1)`.
//!
//! A single confidence `c` in [0, 1] is the two-class vector `(c, 1 - c)` (so
//! is a vector of one class). Every measure is 0 for a certain prediction and
//! 1 for a uniform one. A vector with a NaN, infinite or negative value, an
//! empty one, or one summing to 0 has no uncertainty (`None`): the strategy
//! does not match it. The arithmetic is written out in a fixed order so that
//! the pure-Python reference computes the same doubles bit for bit.

/// Which uncertainty measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Entropy,
    Margin,
    LeastConfidence,
}

impl Measure {
    pub const NAMES: [&'static str; 3] = ["entropy", "margin", "least_confidence"];

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "entropy" => Some(Measure::Entropy),
            "margin" => Some(Measure::Margin),
            "least_confidence" => Some(Measure::LeastConfidence),
            _ => None,
        }
    }
}

/// How per-object (or per-class, multi-label) uncertainties become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Max,
    Mean,
}

impl Aggregate {
    pub const NAMES: [&'static str; 2] = ["max", "mean"];

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "max" => Some(Aggregate::Max),
            "mean" => Some(Aggregate::Mean),
            _ => None,
        }
    }
}

fn clamp01(u: f64) -> f64 {
    u.clamp(0.0, 1.0)
}

/// The uncertainty of the probability vector `p` (see the module docs).
pub fn of_distribution(measure: Measure, p: &[f64]) -> Option<f64> {
    match p {
        [] => return None,
        [c] => return of_confidence(measure, *c),
        _ => {}
    }
    let mut sum = 0.0;
    for &x in p {
        if !(x.is_finite() && x >= 0.0) {
            return None;
        }
        sum += x;
    }
    if !(sum > 0.0 && sum.is_finite()) {
        return None;
    }
    let classes = p.len() as f64;
    let u = match measure {
        Measure::Entropy => {
            let mut h = 0.0;
            for &x in p {
                let q = x / sum;
                if q > 0.0 {
                    h -= q * q.ln();
                }
            }
            h / classes.ln()
        }
        Measure::Margin => {
            let (p1, p2) = top_two(p);
            1.0 - (p1 / sum - p2 / sum)
        }
        Measure::LeastConfidence => {
            let (p1, _) = top_two(p);
            (1.0 - p1 / sum) * classes / (classes - 1.0)
        }
    };
    Some(clamp01(u))
}

/// The two largest values of `p` (`p.len() >= 2`).
fn top_two(p: &[f64]) -> (f64, f64) {
    let (mut p1, mut p2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &x in p {
        if x > p1 {
            p2 = p1;
            p1 = x;
        } else if x > p2 {
            p2 = x;
        }
    }
    (p1, p2)
}

/// The uncertainty of one confidence `c` as the two classes `(c, 1 - c)`;
/// `None` when `c` is NaN or outside [0, 1].
pub fn of_confidence(measure: Measure, c: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&c) {
        return None;
    }
    let d = 1.0 - c;
    let u = match measure {
        Measure::Entropy => {
            let mut h = 0.0;
            if c > 0.0 {
                h -= c * c.ln();
            }
            if d > 0.0 {
                h -= d * d.ln();
            }
            h / std::f64::consts::LN_2
        }
        Measure::Margin => 1.0 - (c - d).abs(),
        Measure::LeastConfidence => (1.0 - c.max(d)) * 2.0,
    };
    Some(clamp01(u))
}

/// Folds per-item uncertainties; `None` when there is none.
#[derive(Debug, Clone, Copy)]
pub struct Aggregator {
    how: Aggregate,
    count: u64,
    acc: f64,
}

impl Aggregator {
    pub fn new(how: Aggregate) -> Self {
        Aggregator {
            how,
            count: 0,
            acc: 0.0,
        }
    }

    #[inline]
    pub fn push(&mut self, u: f64) {
        self.acc = match self.how {
            Aggregate::Max if self.count == 0 => u,
            Aggregate::Max => self.acc.max(u),
            Aggregate::Mean => self.acc + u,
        };
        self.count += 1;
    }

    pub fn finish(&self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        Some(match self.how {
            Aggregate::Max => self.acc,
            Aggregate::Mean => clamp01(self.acc / self.count as f64),
        })
    }
}

/// The aggregated uncertainty of single confidences (the selected objects of a
/// detection, or the selected labels of a multi-label classification), each as
/// two classes; confidences with no uncertainty (NaN, outside [0, 1]) are left
/// out. `None` when nothing is left.
pub fn of_confidences<I>(measure: Measure, how: Aggregate, confidences: I) -> Option<f64>
where
    I: IntoIterator<Item = f64>,
{
    let mut agg = Aggregator::new(how);
    for c in confidences {
        if let Some(u) = of_confidence(measure, c) {
            agg.push(u);
        }
    }
    agg.finish()
}

/// `min <= u <= max`, inclusive at both ends.
#[inline]
pub fn in_range(u: f64, min: f64, max: f64) -> bool {
    min <= u && u <= max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_distributions() {
        use Measure::*;
        // uniform: every measure is 1; certain: every measure is 0
        for m in [Entropy, Margin, LeastConfidence] {
            assert!(close(of_distribution(m, &[0.25; 4]).unwrap(), 1.0));
            assert_eq!(of_distribution(m, &[0.0, 1.0, 0.0]).unwrap(), 0.0);
        }
        let p = [0.5, 0.3, 0.2];
        let h = -(0.5f64 * 0.5f64.ln() + 0.3 * 0.3f64.ln() + 0.2 * 0.2f64.ln()) / 3f64.ln();
        assert!(close(of_distribution(Entropy, &p).unwrap(), h));
        assert!(close(h, 0.937_230_563_216_129_5)); // by hand: 1.029653 / 1.098612
        assert!(close(of_distribution(Margin, &p).unwrap(), 0.8));
        assert!(close(of_distribution(LeastConfidence, &p).unwrap(), 0.75));
        // not summing to 1: divided by the sum first
        assert!(close(
            of_distribution(Margin, &[5.0, 3.0, 2.0]).unwrap(),
            0.8
        ));
    }

    #[test]
    fn hand_computed_confidences() {
        use Measure::*;
        assert!(close(of_confidence(Entropy, 0.5).unwrap(), 1.0));
        assert!(close(
            of_confidence(Entropy, 0.9).unwrap(),
            0.468_995_593_589_281
        ));
        assert!(close(of_confidence(Margin, 0.9).unwrap(), 0.2));
        assert!(close(of_confidence(LeastConfidence, 0.9).unwrap(), 0.2));
        assert!(close(of_confidence(LeastConfidence, 0.3).unwrap(), 0.6));
        assert_eq!(of_confidence(Entropy, 1.0), Some(0.0));
        assert_eq!(of_confidence(Margin, 0.0), Some(0.0));
        assert_eq!(of_distribution(Margin, &[0.7]), of_confidence(Margin, 0.7));
    }

    #[test]
    fn undefined_inputs_have_no_uncertainty() {
        for m in [Measure::Entropy, Measure::Margin, Measure::LeastConfidence] {
            assert_eq!(of_distribution(m, &[]), None);
            assert_eq!(of_distribution(m, &[0.0, 0.0]), None);
            assert_eq!(of_distribution(m, &[0.5, f64::NAN]), None);
            assert_eq!(of_distribution(m, &[0.5, -0.1, 0.6]), None);
            assert_eq!(of_distribution(m, &[f64::INFINITY, 1.0]), None);
            assert_eq!(of_confidence(m, 1.5), None);
            assert_eq!(of_confidence(m, f64::NAN), None);
        }
    }

    #[test]
    fn aggregates() {
        let mut a = Aggregator::new(Aggregate::Max);
        assert_eq!(a.finish(), None);
        for u in [0.2, 0.7, 0.1] {
            a.push(u);
        }
        assert_eq!(a.finish(), Some(0.7));
        let mut m = Aggregator::new(Aggregate::Mean);
        for u in [0.2, 0.7, 0.3] {
            m.push(u);
        }
        assert!(close(m.finish().unwrap(), 0.4));
        assert!(in_range(0.5, 0.5, 0.5));
        let u = of_confidences(Measure::Margin, Aggregate::Max, [0.9, f64::NAN, 0.6, 2.0]);
        assert!(close(u.unwrap(), 0.8));
        let u = of_confidences(Measure::Margin, Aggregate::Mean, [0.9, 0.6]);
        assert!(close(u.unwrap(), 0.5));
        assert_eq!(
            of_confidences(Measure::Margin, Aggregate::Mean, [f64::NAN]),
            None
        );
        assert!(!in_range(0.49, 0.5, 1.0));
    }

    #[test]
    fn the_rule_on_detections_and_classifications() {
        use crate::sampling::classification::{
            matches_multi_class, matches_multi_label, Label, MultiClass,
        };
        use crate::sampling::detections::matches;
        use crate::sampling::strategy::{Rule, Selection};
        let rule = |aggregate, min, selection| Rule::Uncertainty {
            measure: Measure::Margin,
            aggregate,
            min,
            max: 1.0,
            selection,
        };
        let objects = [(0.9, 0u32), (0.55, 1u32)]; // margins 0.2 and 0.9
        let all = || Selection::All;
        assert!(matches(
            &rule(Aggregate::Max, 0.8, all()),
            objects.iter().copied()
        ));
        assert!(!matches(
            &rule(Aggregate::Mean, 0.8, all()),
            objects.iter().copied()
        ));
        let only_0 = || Selection::Some(vec![true, false, false].into_boxed_slice());
        assert!(!matches(
            &rule(Aggregate::Max, 0.8, only_0()),
            objects.iter().copied()
        ));
        assert!(!matches(
            &rule(Aggregate::Max, 0.0, all()),
            std::iter::empty()
        ));
        let classes = [(0.5, 0), (0.3, 1), (0.2, 2)]; // margin 0.8
        let p = MultiClass {
            top: 0,
            top_confidence: 0.5,
            classes: &classes,
        };
        assert!(matches_multi_class(&rule(Aggregate::Max, 0.8, all()), p));
        assert!(!matches_multi_class(&rule(Aggregate::Max, 0.81, all()), p));
        let labels = [Label {
            confidence: 0.5,
            class: 1,
            predicted: false,
        }];
        assert!(matches_multi_label(
            &rule(Aggregate::Max, 1.0, all()),
            &labels
        ));
        assert!(!matches_multi_label(
            &rule(Aggregate::Max, 0.0, only_0()),
            &labels
        ));
    }
}
