//! Matching rules on detection-like predictions (object detection, instance
//! segmentation, keypoints): one pass per strategy over `(confidence, class)`.

use super::close;
use super::strategy::{Rule, Selection};
use super::uncertainty::{in_range, of_confidences};

/// Objects of `selection` that are close to `threshold`, counted up to `cap`
/// (counting further cannot change the decision).
#[inline]
fn count_close<I>(objects: I, selection: &Selection, threshold: f64, epsilon: f64, cap: u64) -> u64
where
    I: Iterator<Item = (f64, u32)>,
{
    let mut count = 0u64;
    match selection {
        Selection::All => {
            for (confidence, _) in objects {
                count += u64::from(close(confidence, threshold, epsilon));
                if count >= cap {
                    break;
                }
            }
        }
        Selection::Some(_) => {
            for (confidence, class) in objects {
                count +=
                    u64::from(selection.contains(class) && close(confidence, threshold, epsilon));
                if count >= cap {
                    break;
                }
            }
        }
    }
    count
}

/// Whether a detection-like prediction, given as an iterator over its objects,
/// matches `rule` (a rule that does not apply to detections never matches).
pub fn matches<I>(rule: &Rule, objects: I) -> bool
where
    I: Iterator<Item = (f64, u32)>,
{
    match rule {
        Rule::Random => true,
        Rule::ClassesBased { .. } => false,
        Rule::CloseToThreshold {
            threshold,
            epsilon,
            minimum_objects,
            selection,
            ..
        } => {
            count_close(objects, selection, *threshold, *epsilon, *minimum_objects)
                >= *minimum_objects
        }
        Rule::DetectionsNumber {
            more_than,
            less_than,
            selection,
        } => {
            // Past `less_than` (or past `more_than` when there is no upper
            // bound) the answer is known.
            let cap = match (more_than, less_than) {
                (_, Some(l)) => *l,
                (Some(m), None) => m.saturating_add(1),
                (None, None) => 0,
            };
            let count = count_close(objects, selection, 0.5, 1.0, cap);
            more_than.map_or(true, |m| count > m) && less_than.map_or(true, |l| count < l)
        }
        Rule::Uncertainty {
            measure,
            aggregate,
            min,
            max,
            selection,
        } => {
            // Per object: its confidence as two classes; objects of unselected
            // classes left out; no object left: no match.
            let selected = objects.filter_map(|(c, k)| selection.contains(k).then_some(c));
            of_confidences(*measure, *aggregate, selected).is_some_and(|u| in_range(u, *min, *max))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(table: &[bool]) -> Selection {
        Selection::Some(table.to_vec().into_boxed_slice())
    }

    fn ctt(threshold: f64, epsilon: f64, minimum_objects: u64, selection: Selection) -> Rule {
        Rule::CloseToThreshold {
            threshold,
            epsilon,
            minimum_objects,
            only_top_classes: true,
            selection,
        }
    }

    fn run(rule: &Rule, objects: &[(f64, u32)]) -> bool {
        matches(rule, objects.iter().copied())
    }

    #[test]
    fn closeness_is_strict_at_both_edges() {
        // 0.25 +- 0.125 are exact in binary: the bounds themselves are not close.
        let rule = ctt(0.25, 0.125, 1, Selection::All);
        assert!(!run(&rule, &[(0.375, 0)]));
        assert!(!run(&rule, &[(0.125, 0)]));
        assert!(run(&rule, &[(0.374_999, 0)]));
        assert!(run(&rule, &[(0.125_001, 0)]));
        assert!(!run(&rule, &[(f64::NAN, 0)]));
        assert!(!run(&rule, &[(f64::INFINITY, 0)]));
        // Decimal edges round either way in double precision (Python agrees:
        // abs(0.6 - 0.5) < 0.1 but not abs(0.3 - 0.5) < 0.2), and float32(0.6)
        // widened exactly to double is above 0.6, so not close.
        let rule = ctt(0.5, 0.1, 1, Selection::All);
        assert!(run(&rule, &[(0.6, 0)]));
        assert!(!run(&rule, &[(f64::from(0.6f32), 0)]));
        assert!(!run(&ctt(0.5, 0.2, 1, Selection::All), &[(0.3, 0)]));
    }

    #[test]
    fn minimum_objects_counts_selected_close_objects() {
        let selection = some(&[true, false, false]);
        let rule = ctt(0.5, 0.1, 2, selection);
        assert!(!run(&rule, &[(0.5, 0)]));
        assert!(!run(&rule, &[(0.5, 0), (0.5, 1), (0.5, 2)]));
        assert!(run(&rule, &[(0.5, 0), (0.9, 0), (0.52, 0)]));
        assert!(!run(&rule, &[]));
        let none_selected = ctt(0.5, 0.1, 1, some(&[false, false]));
        assert!(!run(&none_selected, &[(0.5, 0), (0.5, 1)]));
    }

    #[test]
    fn detections_number_bounds_are_strict() {
        let objects = [(0.9, 0); 5];
        let between = |m, l| Rule::DetectionsNumber {
            more_than: m,
            less_than: l,
            selection: Selection::All,
        };
        assert!(run(&between(Some(4), None), &objects));
        assert!(!run(&between(Some(5), None), &objects));
        assert!(run(&between(None, Some(6)), &objects));
        assert!(!run(&between(None, Some(5)), &objects));
        assert!(run(&between(Some(4), Some(6)), &objects));
        assert!(!run(&between(Some(5), Some(7)), &objects));
        assert!(run(&between(None, None), &objects));
        assert!(run(&between(None, None), &[]));
        assert!(!run(&between(Some(0), None), &[]));
    }

    #[test]
    fn detections_number_counts_through_the_half_unit_closeness() {
        let rule = Rule::DetectionsNumber {
            more_than: Some(1),
            less_than: None,
            selection: some(&[false, true, false]),
        };
        // -0.5 and 1.5 are outside (-0.5, 1.5); NaN is never close.
        assert!(!run(&rule, &[(1.5, 1), (-0.5, 1), (f64::NAN, 1), (0.3, 1)]));
        assert!(run(&rule, &[(1.49, 1), (-0.49, 1)]));
        assert!(!run(&rule, &[(0.9, 0), (0.9, 2), (0.9, 1)]));
    }

    #[test]
    fn classes_based_never_matches_detections() {
        let rule = Rule::ClassesBased {
            selection: Selection::All,
        };
        assert!(!run(&rule, &[(0.5, 0)]));
        assert!(run(&Rule::Random, &[]));
    }
}
