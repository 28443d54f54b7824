//! Matching rules on classification predictions, multi-class (`top` key) and
//! multi-label.

use super::close;
use super::strategy::Rule;
use super::uncertainty::{in_range, of_confidences, of_distribution};

/// A multi-class prediction: the top class and confidence, and every class's
/// `(confidence, class)`.
#[derive(Debug, Clone, Copy)]
pub struct MultiClass<'a> {
    pub top: u32,
    pub top_confidence: f64,
    pub classes: &'a [(f64, u32)],
}

/// One entry of a multi-label prediction's `predictions` mapping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    pub confidence: f64,
    pub class: u32,
    /// Whether the class is also in `predicted_classes`.
    pub predicted: bool,
}

/// Whether a multi-class prediction matches `rule`.
pub fn matches_multi_class(rule: &Rule, p: MultiClass<'_>) -> bool {
    match rule {
        Rule::Random => true,
        Rule::DetectionsNumber { .. } => false,
        Rule::CloseToThreshold {
            threshold,
            epsilon,
            only_top_classes,
            selection,
            ..
        } => {
            if *only_top_classes {
                selection.contains(p.top) && close(p.top_confidence, *threshold, *epsilon)
            } else {
                p.classes
                    .iter()
                    .any(|&(c, k)| selection.contains(k) && close(c, *threshold, *epsilon))
            }
        }
        Rule::ClassesBased { selection } => {
            selection.contains(p.top) && close(p.top_confidence, 0.5, 1.0)
        }
        Rule::Uncertainty {
            measure,
            min,
            max,
            selection,
            ..
        } => {
            // The whole class-probability vector, in the order of `predictions`;
            // a selection restricts the strategy to predictions whose top class it holds.
            if !selection.contains(p.top) {
                return false;
            }
            let mut probabilities = Vec::with_capacity(p.classes.len());
            probabilities.extend(p.classes.iter().map(|&(c, _)| c));
            of_distribution(*measure, &probabilities).is_some_and(|u| in_range(u, *min, *max))
        }
    }
}

/// Whether a multi-label prediction matches `rule`.
pub fn matches_multi_label(rule: &Rule, labels: &[Label]) -> bool {
    match rule {
        Rule::Random => true,
        Rule::DetectionsNumber { .. } => false,
        Rule::CloseToThreshold {
            threshold,
            epsilon,
            only_top_classes,
            selection,
            ..
        } => labels.iter().any(|l| {
            (l.predicted || !*only_top_classes)
                && selection.contains(l.class)
                && close(l.confidence, *threshold, *epsilon)
        }),
        Rule::ClassesBased { selection } => labels
            .iter()
            .any(|l| l.predicted && selection.contains(l.class) && close(l.confidence, 0.5, 1.0)),
        Rule::Uncertainty {
            measure,
            aggregate,
            min,
            max,
            selection,
        } => {
            // Every selected key of `predictions`, each as a binary (c, 1 - c) decision.
            let selected = labels
                .iter()
                .filter(|l| selection.contains(l.class))
                .map(|l| l.confidence);
            of_confidences(*measure, *aggregate, selected).is_some_and(|u| in_range(u, *min, *max))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::strategy::Selection;

    fn some(table: &[bool]) -> Selection {
        Selection::Some(table.to_vec().into_boxed_slice())
    }

    fn ctt(only_top_classes: bool, selection: Selection) -> Rule {
        Rule::CloseToThreshold {
            threshold: 0.5,
            epsilon: 0.1,
            minimum_objects: 1,
            only_top_classes,
            selection,
        }
    }

    #[test]
    fn multi_class_only_top_classes_both_ways() {
        let classes = [(0.9, 0), (0.55, 1), (0.05, 2)];
        let p = MultiClass {
            top: 0,
            top_confidence: 0.9,
            classes: &classes,
        };
        assert!(!matches_multi_class(&ctt(true, Selection::All), p));
        assert!(matches_multi_class(&ctt(false, Selection::All), p));
        assert!(!matches_multi_class(
            &ctt(false, some(&[true, false, true, false])),
            p
        ));
        let close_top = MultiClass {
            top: 1,
            top_confidence: 0.55,
            classes: &classes,
        };
        assert!(matches_multi_class(&ctt(true, Selection::All), close_top));
        assert!(!matches_multi_class(
            &ctt(true, some(&[true, false, true, false])),
            close_top
        ));
        assert!(matches_multi_class(
            &ctt(true, some(&[false, true, false, false])),
            close_top
        ));
    }

    #[test]
    fn classes_based_multi_class_uses_top_and_half_unit_closeness() {
        let rule = Rule::ClassesBased {
            selection: some(&[false, true, false]),
        };
        let p = |top, top_confidence| MultiClass {
            top,
            top_confidence,
            classes: &[],
        };
        assert!(matches_multi_class(&rule, p(1, 0.9)));
        assert!(!matches_multi_class(&rule, p(0, 0.9)));
        assert!(!matches_multi_class(&rule, p(1, f64::NAN)));
        assert!(!matches_multi_class(&rule, p(1, 1.5)));
        assert!(matches_multi_class(&rule, p(1, -0.49)));
        let none = Rule::ClassesBased {
            selection: some(&[false]),
        };
        assert!(!matches_multi_class(&none, p(0, 0.9)));
    }

    #[test]
    fn multi_label_rules() {
        let label = |confidence, class, predicted| Label {
            confidence,
            class,
            predicted,
        };
        let labels = [label(0.52, 0, false), label(0.95, 1, true)];
        assert!(!matches_multi_label(&ctt(true, Selection::All), &labels));
        assert!(matches_multi_label(&ctt(false, Selection::All), &labels));
        assert!(!matches_multi_label(
            &ctt(false, some(&[false, true, false])),
            &labels
        ));
        let cb = |table: &[bool]| Rule::ClassesBased {
            selection: some(table),
        };
        assert!(matches_multi_label(&cb(&[false, true, false]), &labels));
        assert!(!matches_multi_label(&cb(&[true, false, false]), &labels));
        assert!(!matches_multi_label(
            &cb(&[true, true, true]),
            &[label(f64::NAN, 1, true)]
        ));
        assert!(!matches_multi_label(&cb(&[true, true, true]), &[]));
        let dn = Rule::DetectionsNumber {
            more_than: None,
            less_than: None,
            selection: Selection::All,
        };
        assert!(!matches_multi_label(&dn, &labels));
        assert!(matches_multi_label(&Rule::Random, &[]));
    }
}
