//! The sampler: built strategies, the class table, the generator, and the
//! decision (which matched strategies are kept) for each task family.

use super::classes::ClassTable;
use super::classification::{self, Label, MultiClass};
use super::detections;
use super::error::SamplingError;
use super::rng::Rng;
use super::set::StrategySet;
use super::strategy::{self, Rule, Strategy, StrategySpec};
use super::task::{ArrayClasses, TaskType};

const TASKS: [TaskType; 3] = [
    TaskType::Detection,
    TaskType::Classification,
    TaskType::Other,
];

fn slot(task: TaskType) -> usize {
    match task {
        TaskType::Detection => 0,
        TaskType::Classification => 1,
        TaskType::Other => 2,
    }
}

/// What [`Sampler::route`] asks the caller to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Nothing: only the `random` strategies can match ([`Sampler::random_only`]).
    RandomOnly,
    /// The `(confidence, class)` of every object ([`Sampler::detections`]).
    Detections,
    /// A classification, multi-class or multi-label (see `ClassificationForm`).
    Classification,
}

/// Decides, frame by frame, which strategies keep a prediction. Thread-safe
/// and lock-free: the only mutable state is the generator's atomic counter.
#[derive(Debug)]
pub struct Sampler {
    strategies: Vec<Strategy>,
    classes: ClassTable,
    rng: Rng,
    /// Per task family: does any non-random strategy apply (then the prediction's
    /// structure is read and validated)?
    structured: [bool; 3],
    /// Per task family: does an applying strategy select classes?
    needs_classes: [bool; 3],
    random_only: StrategySet,
}

impl Sampler {
    /// Builds a sampler from validated strategies, in config order; none (a
    /// disabled configuration) gives a sampler that never matches. `seed =
    /// None` seeds from the OS.
    pub fn new(specs: &[StrategySpec], seed: Option<u64>) -> Self {
        let (strategies, classes) = strategy::build(specs);
        let rng = seed.map_or_else(Rng::from_entropy, Rng::new);
        let structured = TASKS.map(|t| {
            strategies
                .iter()
                .any(|s| s.rule != Rule::Random && s.rule.applies_to(t))
        });
        let needs_classes = TASKS.map(|t| {
            strategies.iter().any(|s| {
                s.rule.applies_to(t) && s.rule.selection().is_some_and(|sel| !sel.is_all())
            })
        });
        let mut random_only = StrategySet::new();
        for (i, s) in strategies.iter().enumerate() {
            if s.rule == Rule::Random {
                random_only.insert(i);
            }
        }
        Sampler {
            strategies,
            classes,
            rng,
            structured,
            needs_classes,
            random_only,
        }
    }

    pub fn strategies(&self) -> &[Strategy] {
        &self.strategies
    }

    /// The class names some strategy selects, with their indices.
    pub fn classes(&self) -> &ClassTable {
        &self.classes
    }

    /// Whether a (non-stub) prediction of `task` has to be read: some non-random
    /// strategy applies to it. When false, only the `random` strategies match.
    pub fn needs_structure(&self, task: TaskType) -> bool {
        self.structured[slot(task)]
    }

    /// Whether the classes of a `task` prediction matter to some strategy.
    pub fn needs_classes(&self, task: TaskType) -> bool {
        self.needs_classes[slot(task)]
    }

    /// What has to be read of a prediction of `task`: nothing when only the
    /// `random` strategies can match it (stubs, unknown types, or no other
    /// strategy applying), else its detections or its classification.
    pub fn route(&self, task: TaskType) -> Route {
        if !self.needs_structure(task) {
            Route::RandomOnly
        } else if task == TaskType::Detection {
            Route::Detections
        } else {
            Route::Classification
        }
    }

    /// Whether array detections of `task` give their classes in a form the
    /// strategies can use (see [`ArrayClasses::check`]).
    pub fn check_array_classes(
        &self,
        task: TaskType,
        classes: ArrayClasses,
    ) -> Result<(), SamplingError> {
        classes.check(self.needs_classes(task))
    }

    /// The strategies matching any prediction: the `random` ones.
    pub fn random_only(&self) -> StrategySet {
        self.random_only.clone()
    }

    fn matching(&self, mut test: impl FnMut(&Rule) -> bool) -> StrategySet {
        let mut set = StrategySet::new();
        for (i, s) in self.strategies.iter().enumerate() {
            if test(&s.rule) {
                set.insert(i);
            }
        }
        set
    }

    /// The strategies a detection-like prediction matches; `objects` yields
    /// `(confidence, class index)` and is walked once per strategy.
    pub fn detections<I>(&self, objects: I) -> StrategySet
    where
        I: Iterator<Item = (f64, u32)> + Clone,
    {
        self.matching(|rule| detections::matches(rule, objects.clone()))
    }

    /// The strategies a multi-class classification matches.
    pub fn multi_class(&self, prediction: MultiClass<'_>) -> StrategySet {
        self.matching(|rule| classification::matches_multi_class(rule, prediction))
    }

    /// The strategies a multi-label classification matches.
    pub fn multi_label(&self, labels: &[Label]) -> StrategySet {
        self.matching(|rule| classification::matches_multi_label(rule, labels))
    }

    /// Draws one uniform per matched strategy, in order, and keeps those whose
    /// draw is below their probability.
    pub fn keep(&self, matched: &StrategySet) -> StrategySet {
        let mut kept = StrategySet::new();
        let count = matched.len() as u64;
        if count == 0 {
            return kept;
        }
        let draws = self.rng.reserve(count);
        for (j, i) in matched.iter().enumerate() {
            if draws.get(j as u64) < self.strategies[i].probability {
                kept.insert(i);
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampling::rng::Rng;
    use crate::sampling::strategy::StrategyKind;

    fn random(name: &str, traffic_percentage: f64) -> StrategySpec {
        StrategySpec {
            name: name.into(),
            kind: StrategyKind::Random { traffic_percentage },
        }
    }

    fn close(name: &str, probability: f64) -> StrategySpec {
        StrategySpec {
            name: name.into(),
            kind: StrategyKind::CloseToThreshold {
                threshold: 0.5,
                epsilon: 0.1,
                probability,
                selected_class_names: None,
                minimum_objects_close_to_threshold: 1,
                only_top_classes: true,
            },
        }
    }

    fn classes_based(name: &str, selected: &[&str]) -> StrategySpec {
        StrategySpec {
            name: name.into(),
            kind: StrategyKind::ClassesBased {
                selected_class_names: selected.iter().map(|s| s.to_string()).collect(),
                probability: 1.0,
            },
        }
    }

    #[test]
    fn draws_one_uniform_per_matched_strategy_in_order() {
        let mut specs: Vec<_> = [0.5, 0.2, 0.9]
            .into_iter()
            .enumerate()
            .map(|(i, p)| random(&format!("r{i}"), p))
            .collect();
        specs.push(close("c", 1.0));
        let s = Sampler::new(&specs, Some(42));
        let twin = Rng::new(42);
        for _ in 0..50 {
            // Not close: the close_to_threshold strategy matches nothing and draws nothing.
            let kept = s.keep(&s.detections([(0.9, 0)].into_iter()));
            let expected: Vec<usize> = [0.5, 0.2, 0.9]
                .into_iter()
                .enumerate()
                .filter(|&(_, p)| twin.next_f64() < p)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(kept.iter().collect::<Vec<_>>(), expected);
        }
        // Close: all four draw, the last keeps with probability 1.
        let kept = s.keep(&s.detections([(0.5, 0)].into_iter()));
        assert!(kept.contains(3));
    }

    #[test]
    fn probability_zero_never_keeps_and_one_always_keeps() {
        let s = Sampler::new(&[random("never", 0.0), random("always", 1.0)], Some(7));
        for _ in 0..100 {
            assert_eq!(s.keep(&s.random_only()).iter().collect::<Vec<_>>(), vec![1]);
        }
        assert_eq!(s.strategies()[1].name, "always");
    }

    #[test]
    fn no_strategies_never_match() {
        let s = Sampler::new(&[], Some(1));
        assert!(s.keep(&s.random_only()).is_empty());
        assert!(s.keep(&s.detections([(0.5, 0)].into_iter())).is_empty());
        assert!(!s.needs_structure(TaskType::Detection));
        assert_eq!(s.route(TaskType::Classification), Route::RandomOnly);
    }

    #[test]
    fn structure_and_classes_needed_only_where_rules_apply() {
        let s = Sampler::new(&[classes_based("cb", &["cat"])], Some(1));
        assert!(s.needs_structure(TaskType::Classification));
        assert!(s.needs_classes(TaskType::Classification));
        assert!(!s.needs_structure(TaskType::Detection));
        assert!(!s.needs_classes(TaskType::Other));
        assert_eq!(s.classes().get("cat"), 0);
        assert_eq!(s.classes().get("dog"), s.classes().unknown());
        assert_eq!(s.route(TaskType::Classification), Route::Classification);
        assert_eq!(s.route(TaskType::Detection), Route::RandomOnly);
        assert_eq!(s.route(TaskType::Other), Route::RandomOnly);
        // Ids without names: an error only where a strategy selects classes.
        let ids = ArrayClasses::Ids { with_names: false };
        assert!(s.check_array_classes(TaskType::Detection, ids).is_ok());
        assert!(s
            .check_array_classes(TaskType::Classification, ids)
            .is_err());
    }

    #[test]
    fn detections_route_where_a_rule_reads_them() {
        let s = Sampler::new(&[random("r", 0.5), close("c", 1.0)], Some(3));
        assert_eq!(s.route(TaskType::Detection), Route::Detections);
        assert_eq!(s.route(TaskType::Other), Route::RandomOnly);
        // close_to_threshold with every class selected needs no classes.
        assert!(s
            .check_array_classes(TaskType::Detection, ArrayClasses::Absent)
            .is_ok());
        let t = Sampler::new(&[classes_based("cb", &[])], Some(3));
        assert!(t
            .check_array_classes(TaskType::Classification, ArrayClasses::Absent)
            .is_err());
    }
}
