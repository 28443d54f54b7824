//! The sampler: parsed strategies, the class table, the generator, and the
//! decision (which matched strategies are kept) for each task family.

use super::classification::{self, Label, MultiClass};
use super::detections;
use super::error::SamplingError;
use super::rng::Rng;
use super::set::StrategySet;
use super::strategy::{self, ClassTable, Rule, Strategy, StrategySpec, TaskType};

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
    /// Builds a sampler from strategy specs of known types, each with its
    /// position in the config (for error paths). `enabled = false` gives a
    /// sampler that never matches. `seed = None` seeds from the OS.
    pub fn new(
        enabled: bool,
        specs: &[(usize, StrategySpec)],
        seed: Option<u64>,
    ) -> Result<Self, SamplingError> {
        let (strategies, classes) = if enabled {
            strategy::build(specs)?
        } else {
            (Vec::new(), ClassTable::default())
        };
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
        Ok(Sampler {
            strategies,
            classes,
            rng,
            structured,
            needs_classes,
            random_only,
        })
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

    fn spec(name: &str, kind: &str) -> StrategySpec {
        StrategySpec {
            name: name.into(),
            kind: kind.into(),
            ..StrategySpec::default()
        }
    }

    fn sampler(specs: Vec<StrategySpec>, seed: u64) -> Sampler {
        let indexed: Vec<_> = specs.into_iter().enumerate().collect();
        Sampler::new(true, &indexed, Some(seed)).unwrap()
    }

    #[test]
    fn draws_one_uniform_per_matched_strategy_in_order() {
        let mut specs = Vec::new();
        for (i, p) in [0.5, 0.2, 0.9].into_iter().enumerate() {
            specs.push(StrategySpec {
                traffic_percentage: Some(p),
                ..spec(&format!("r{i}"), "random")
            });
        }
        specs.push(StrategySpec {
            threshold: Some(0.5),
            epsilon: Some(0.1),
            probability: Some(1.0),
            ..spec("c", "close_to_threshold")
        });
        let s = sampler(specs, 42);
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
        let s = sampler(
            vec![
                StrategySpec {
                    traffic_percentage: Some(0.0),
                    ..spec("never", "random")
                },
                StrategySpec {
                    traffic_percentage: Some(1.0),
                    ..spec("always", "random")
                },
            ],
            7,
        );
        for _ in 0..100 {
            assert_eq!(s.keep(&s.random_only()).iter().collect::<Vec<_>>(), vec![1]);
        }
    }

    #[test]
    fn disabled_never_matches() {
        let specs = vec![(
            0,
            StrategySpec {
                traffic_percentage: Some(1.0),
                ..spec("r", "random")
            },
        )];
        let s = Sampler::new(false, &specs, Some(1)).unwrap();
        assert!(s.keep(&s.random_only()).is_empty());
        assert!(!s.needs_structure(TaskType::Detection));
    }

    #[test]
    fn structure_and_classes_needed_only_where_rules_apply() {
        let s = sampler(
            vec![StrategySpec {
                probability: Some(1.0),
                selected_class_names: Some(vec!["cat".into()]),
                ..spec("cb", "classes_based")
            }],
            1,
        );
        assert!(s.needs_structure(TaskType::Classification));
        assert!(s.needs_classes(TaskType::Classification));
        assert!(!s.needs_structure(TaskType::Detection));
        assert!(!s.needs_classes(TaskType::Other));
        assert_eq!(s.classes().get("cat"), 0);
        assert_eq!(s.classes().get("dog"), s.classes().unknown());
    }

    #[test]
    fn config_errors_name_the_field() {
        let bad = |s: StrategySpec| {
            let indexed = vec![(3, s)];
            match Sampler::new(true, &indexed, Some(0)) {
                Err(SamplingError::InvalidInput(m)) => m,
                other => panic!("expected an error, got {other:?}"),
            }
        };
        let m = bad(StrategySpec {
            threshold: Some(0.5),
            epsilon: Some(1.5),
            probability: Some(1.0),
            ..spec("c", "close_to_threshold")
        });
        assert_eq!(
            m,
            "sampling_strategies[3].epsilon: must be within [0, 1], got 1.5"
        );
        let m = bad(StrategySpec {
            probability: Some(1.0),
            more_than: Some(3),
            less_than: Some(3),
            ..spec("d", "detections_number_based")
        });
        assert!(m.starts_with("sampling_strategies[3].more_than:"), "{m}");
        let m = bad(spec("r", "random"));
        assert_eq!(m, "sampling_strategies[3].traffic_percentage: missing");
        let m = bad(StrategySpec {
            probability: Some(f64::NAN),
            ..spec("cb", "classes_based")
        });
        assert!(
            m.starts_with("sampling_strategies[3].probability: must be within"),
            "{m}"
        );
        let m = bad(StrategySpec {
            threshold: Some(0.5),
            epsilon: Some(0.1),
            probability: Some(1.0),
            minimum_objects_close_to_threshold: Some(0),
            ..spec("c", "close_to_threshold")
        });
        assert!(
            m.contains("minimum_objects_close_to_threshold: must be >= 1"),
            "{m}"
        );
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let r = |name: &str| StrategySpec {
            traffic_percentage: Some(0.5),
            ..spec(name, "random")
        };
        let indexed = vec![(0, r("a")), (1, r("a"))];
        let err = Sampler::new(true, &indexed, Some(0)).unwrap_err();
        assert!(err.to_string().contains("duplicate name"), "{err}");
    }
}
