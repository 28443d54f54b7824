//! Sampling strategies: the typed, already-validated settings of each kind
//! (`StrategySpec`, what Python's configuration rules produce) and the built
//! form the sampler runs (`Strategy`: its rule, keep probability, and class
//! selection as a lookup table over the sampler's class indices).

use super::classes::ClassTable;
use super::error::SamplingError;
use super::task::TaskType;
use super::uncertainty::{Aggregate, Measure};

/// One validated strategy (`framesieve.config`'s rules have checked ranges,
/// defaults and uniqueness): its name and kind-specific settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySpec {
    pub name: String,
    pub kind: StrategyKind,
}

/// The settings of each strategy kind (SPEC §1). `selected_class_names:
/// None` selects every class; `Some(vec![])` selects none.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    Random {
        traffic_percentage: f64,
    },
    CloseToThreshold {
        threshold: f64,
        epsilon: f64,
        probability: f64,
        selected_class_names: Option<Vec<String>>,
        minimum_objects_close_to_threshold: u64,
        only_top_classes: bool,
    },
    ClassesBased {
        selected_class_names: Vec<String>,
        probability: f64,
    },
    DetectionsNumberBased {
        probability: f64,
        more_than: Option<u64>,
        less_than: Option<u64>,
        selected_class_names: Option<Vec<String>>,
    },
    Uncertainty {
        measure: Measure,
        min: f64,
        max: f64,
        probability: f64,
        aggregate: Aggregate,
        selected_class_names: Option<Vec<String>>,
    },
}

/// A strategy's `type` string, mapped to its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyType {
    Random,
    CloseToThreshold,
    ClassesBased,
    DetectionsNumberBased,
    Uncertainty,
}

impl StrategyType {
    /// The `type` strings framesieve knows, in SPEC order.
    pub const NAMES: [&'static str; 5] = [
        "random",
        "close_to_threshold",
        "classes_based",
        "detections_number_based",
        "uncertainty",
    ];
    const ALL: [StrategyType; 5] = [
        StrategyType::Random,
        StrategyType::CloseToThreshold,
        StrategyType::ClassesBased,
        StrategyType::DetectionsNumberBased,
        StrategyType::Uncertainty,
    ];

    /// The kind called `name`; `at` (e.g. `strategies[2]`) names the strategy
    /// in the error for a type framesieve does not know.
    pub fn parse(name: &str, at: &str) -> Result<Self, SamplingError> {
        match Self::NAMES.iter().position(|n| *n == name) {
            Some(i) => Ok(Self::ALL[i]),
            None => Err(SamplingError::input(format!(
                "{at}.type: unknown strategy type {name:?} (known: {})",
                Self::NAMES.join(", ")
            ))),
        }
    }
}

/// `measure` of an `uncertainty` strategy; `at` names the strategy in the error.
pub fn parse_measure(name: &str, at: &str) -> Result<Measure, SamplingError> {
    Measure::parse(name).ok_or_else(|| {
        SamplingError::input(format!(
            "{at}.measure: must be one of {}, got {name:?}",
            Measure::NAMES.join(", ")
        ))
    })
}

/// `aggregate` of an `uncertainty` strategy; `at` names the strategy in the error.
pub fn parse_aggregate(name: &str, at: &str) -> Result<Aggregate, SamplingError> {
    Aggregate::parse(name).ok_or_else(|| {
        SamplingError::input(format!(
            "{at}.aggregate: must be one of {}, got {name:?}",
            Aggregate::NAMES.join(", ")
        ))
    })
}

/// Which classes a strategy looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// No `selected_class_names` (or `null`): every class, known or not.
    All,
    /// `table[class_index]` is true when the class is selected; the last slot
    /// stands for every class outside the sampler's table and is false.
    Some(Box<[bool]>),
}

impl Selection {
    #[inline]
    pub fn contains(&self, class: u32) -> bool {
        match self {
            Selection::All => true,
            Selection::Some(table) => table.get(class as usize).copied().unwrap_or(false),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Selection::All)
    }
}

/// The matching rule of one strategy.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Random,
    CloseToThreshold {
        threshold: f64,
        epsilon: f64,
        minimum_objects: u64,
        only_top_classes: bool,
        selection: Selection,
    },
    ClassesBased {
        selection: Selection,
    },
    DetectionsNumber {
        more_than: Option<u64>,
        less_than: Option<u64>,
        selection: Selection,
    },
    /// The model's uncertainty (`uncertainty` module) within `[min, max]`.
    Uncertainty {
        measure: Measure,
        aggregate: Aggregate,
        min: f64,
        max: f64,
        selection: Selection,
    },
}

impl Rule {
    /// Whether the rule can match a (non-stub) prediction of type `task`.
    pub fn applies_to(&self, task: TaskType) -> bool {
        match self {
            Rule::Random => true,
            Rule::CloseToThreshold { .. } => task != TaskType::Other,
            Rule::ClassesBased { .. } => task == TaskType::Classification,
            Rule::DetectionsNumber { .. } => task == TaskType::Detection,
            Rule::Uncertainty { .. } => task != TaskType::Other,
        }
    }

    pub fn selection(&self) -> Option<&Selection> {
        match self {
            Rule::Random => None,
            Rule::CloseToThreshold { selection, .. }
            | Rule::ClassesBased { selection }
            | Rule::DetectionsNumber { selection, .. }
            | Rule::Uncertainty { selection, .. } => Some(selection),
        }
    }
}

/// One built strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    pub name: String,
    /// Keep probability of a match (`traffic_percentage` for `random`).
    pub probability: f64,
    pub rule: Rule,
}

impl StrategyKind {
    fn selected_class_names(&self) -> Option<&[String]> {
        match self {
            StrategyKind::Random { .. } => None,
            StrategyKind::ClassesBased {
                selected_class_names,
                ..
            } => Some(selected_class_names),
            StrategyKind::CloseToThreshold {
                selected_class_names,
                ..
            }
            | StrategyKind::DetectionsNumberBased {
                selected_class_names,
                ..
            }
            | StrategyKind::Uncertainty {
                selected_class_names,
                ..
            } => selected_class_names.as_deref(),
        }
    }
}

/// The strategies the sampler runs, in config order, and the table of every
/// class they select. Nothing is checked here: the specs are validated.
pub fn build(specs: &[StrategySpec]) -> (Vec<Strategy>, ClassTable) {
    let mut classes = ClassTable::default();
    for spec in specs {
        for name in spec.kind.selected_class_names().into_iter().flatten() {
            classes.insert(name);
        }
    }
    let table = |names: &[String]| {
        let mut table = vec![false; classes.len() + 1];
        for name in names {
            table[classes.get(name) as usize] = true;
        }
        Selection::Some(table.into_boxed_slice())
    };
    let selection = |names: &Option<Vec<String>>| names.as_deref().map_or(Selection::All, table);
    let strategies = specs
        .iter()
        .map(|spec| {
            let (probability, rule) = match &spec.kind {
                StrategyKind::Random { traffic_percentage } => (*traffic_percentage, Rule::Random),
                StrategyKind::CloseToThreshold {
                    threshold,
                    epsilon,
                    probability,
                    selected_class_names,
                    minimum_objects_close_to_threshold,
                    only_top_classes,
                } => (
                    *probability,
                    Rule::CloseToThreshold {
                        threshold: *threshold,
                        epsilon: *epsilon,
                        minimum_objects: *minimum_objects_close_to_threshold,
                        only_top_classes: *only_top_classes,
                        selection: selection(selected_class_names),
                    },
                ),
                StrategyKind::ClassesBased {
                    selected_class_names,
                    probability,
                } => (
                    *probability,
                    Rule::ClassesBased {
                        selection: table(selected_class_names),
                    },
                ),
                StrategyKind::DetectionsNumberBased {
                    probability,
                    more_than,
                    less_than,
                    selected_class_names,
                } => (
                    *probability,
                    Rule::DetectionsNumber {
                        more_than: *more_than,
                        less_than: *less_than,
                        selection: selection(selected_class_names),
                    },
                ),
                StrategyKind::Uncertainty {
                    measure,
                    min,
                    max,
                    probability,
                    aggregate,
                    selected_class_names,
                } => (
                    *probability,
                    Rule::Uncertainty {
                        measure: *measure,
                        aggregate: *aggregate,
                        min: *min,
                        max: *max,
                        selection: selection(selected_class_names),
                    },
                ),
            };
            Strategy {
                name: spec.name.clone(),
                probability,
                rule,
            }
        })
        .collect();
    (strategies, classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn types_and_names_parse_or_name_the_field() {
        assert_eq!(
            StrategyType::parse("classes_based", "strategies[0]"),
            Ok(StrategyType::ClassesBased)
        );
        let err = StrategyType::parse("from_the_future", "strategies[2]").unwrap_err();
        assert_eq!(
            err,
            SamplingError::InvalidInput(
                "strategies[2].type: unknown strategy type \"from_the_future\" (known: random, \
                 close_to_threshold, classes_based, detections_number_based, uncertainty)"
                    .into()
            )
        );
        assert_eq!(parse_measure("margin", "s"), Ok(Measure::Margin));
        assert!(parse_measure("variance", "strategies[1]")
            .unwrap_err()
            .to_string()
            .starts_with("strategies[1].measure: must be one of entropy"));
        assert_eq!(parse_aggregate("mean", "s"), Ok(Aggregate::Mean));
        assert!(parse_aggregate("median", "s").is_err());
    }

    #[test]
    fn build_converts_selections_over_one_class_table() {
        let specs = [
            StrategySpec {
                name: "c".into(),
                kind: StrategyKind::CloseToThreshold {
                    threshold: 0.5,
                    epsilon: 0.1,
                    probability: 0.25,
                    selected_class_names: Some(names(&["car", "truck"])),
                    minimum_objects_close_to_threshold: 2,
                    only_top_classes: false,
                },
            },
            StrategySpec {
                name: "none".into(),
                kind: StrategyKind::ClassesBased {
                    selected_class_names: vec![],
                    probability: 1.0,
                },
            },
            StrategySpec {
                name: "all".into(),
                kind: StrategyKind::DetectionsNumberBased {
                    probability: 0.5,
                    more_than: Some(3),
                    less_than: None,
                    selected_class_names: None,
                },
            },
            StrategySpec {
                name: "u".into(),
                kind: StrategyKind::Uncertainty {
                    measure: Measure::Entropy,
                    min: 0.2,
                    max: 0.9,
                    probability: 0.75,
                    aggregate: Aggregate::Mean,
                    selected_class_names: Some(names(&["truck", "dog"])),
                },
            },
        ];
        let (strategies, classes) = build(&specs);
        assert_eq!(classes.len(), 3);
        let (car, truck, dog) = (classes.get("car"), classes.get("truck"), classes.get("dog"));
        assert_eq!(
            strategies[0],
            Strategy {
                name: "c".into(),
                probability: 0.25,
                rule: Rule::CloseToThreshold {
                    threshold: 0.5,
                    epsilon: 0.1,
                    minimum_objects: 2,
                    only_top_classes: false,
                    selection: Selection::Some(vec![true, true, false, false].into()),
                },
            }
        );
        // `[]` selects nothing, not even the classes outside the table.
        let none = strategies[1].rule.selection().unwrap();
        assert!(![car, truck, dog, classes.unknown()]
            .iter()
            .any(|&k| none.contains(k)));
        assert!(strategies[2].rule.selection().unwrap().is_all());
        let u = strategies[3].rule.selection().unwrap();
        assert!(u.contains(truck) && u.contains(dog) && !u.contains(car));
        assert!(!u.contains(classes.unknown()));
        assert_eq!(strategies[3].probability, 0.75);
    }

    #[test]
    fn rules_apply_to_their_task_types() {
        let all = || Selection::All;
        assert!(Rule::Random.applies_to(TaskType::Other));
        let ctt = Rule::CloseToThreshold {
            threshold: 0.5,
            epsilon: 0.1,
            minimum_objects: 1,
            only_top_classes: true,
            selection: all(),
        };
        assert!(ctt.applies_to(TaskType::Detection) && ctt.applies_to(TaskType::Classification));
        assert!(!ctt.applies_to(TaskType::Other));
        let cb = Rule::ClassesBased { selection: all() };
        assert!(cb.applies_to(TaskType::Classification) && !cb.applies_to(TaskType::Detection));
        let dn = Rule::DetectionsNumber {
            more_than: None,
            less_than: None,
            selection: all(),
        };
        assert!(dn.applies_to(TaskType::Detection) && !dn.applies_to(TaskType::Classification));
    }
}
