//! Parsed sampling strategies: the rule each one applies, its keep probability,
//! and its class selection as a lookup table over the sampler's class indices.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::error::SamplingError;
use super::uncertainty::{Aggregate, Measure};

/// The family of a prediction type, as far as sampling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskType {
    /// `object-detection`, `instance-segmentation`, `keypoint-detection`.
    Detection,
    /// `classification` (multi-class or multi-label).
    Classification,
    /// A stub prediction, or a type framesieve does not know: only `random` matches.
    Other,
}

impl TaskType {
    /// Maps a prediction type string; unknown strings are [`TaskType::Other`], not an error.
    pub fn from_name(name: &str) -> Self {
        match name {
            "object-detection" | "instance-segmentation" | "keypoint-detection" => {
                TaskType::Detection
            }
            "classification" => TaskType::Classification,
            _ => TaskType::Other,
        }
    }
}

/// A strategy as read from its JSON dict, before range checks. Optional JSON
/// fields given as `null` are `None`, as if absent.
#[derive(Debug, Clone, Default)]
pub struct StrategySpec {
    pub name: String,
    pub kind: String,
    pub traffic_percentage: Option<f64>,
    pub threshold: Option<f64>,
    pub epsilon: Option<f64>,
    pub probability: Option<f64>,
    pub selected_class_names: Option<Vec<String>>,
    pub minimum_objects_close_to_threshold: Option<i64>,
    pub only_top_classes: Option<bool>,
    pub more_than: Option<i64>,
    pub less_than: Option<i64>,
    /// `uncertainty`: `measure`, `min`, `max`, `aggregate`.
    pub measure: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub aggregate: Option<String>,
}

/// The strategy types framesieve knows; others are skipped.
pub const KNOWN_TYPES: [&str; 5] = [
    "random",
    "close_to_threshold",
    "classes_based",
    "detections_number_based",
    "uncertainty",
];

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

/// One parsed strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    pub name: String,
    /// Keep probability of a match (`traffic_percentage` for `random`).
    pub probability: f64,
    pub rule: Rule,
}

/// The class names any strategy selects, each with a dense index; every other
/// class maps to [`ClassTable::unknown`]. Lookups are on the per-object hot
/// path: a short table is scanned, a long one hashed with FNV-1a (SipHash
/// would cost more than the scan for the few class names configs hold).
#[derive(Debug, Clone, Default)]
pub struct ClassTable {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, BuildHasherDefault<Fnv>>,
}

/// Tables up to this many names are scanned rather than hashed.
const SCAN_MAX: usize = 8;

impl ClassTable {
    fn insert(&mut self, name: &str) {
        if !self.index.contains_key(name) {
            self.index.insert(name.into(), self.names.len() as u32);
            self.names.push(name.into());
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of every class no strategy selects.
    #[inline]
    pub fn unknown(&self) -> u32 {
        self.names.len() as u32
    }

    #[inline]
    pub fn get(&self, name: &str) -> u32 {
        if self.names.len() <= SCAN_MAX {
            self.names
                .iter()
                .position(|n| **n == *name)
                .map_or(self.unknown(), |i| i as u32)
        } else {
            self.index.get(name).copied().unwrap_or(self.unknown())
        }
    }
}

/// FNV-1a: short keys, no DoS concern (the keys are the config's class names).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn path(i: usize, field: &str) -> String {
    format!("sampling_strategies[{i}].{field}")
}

fn unit_interval(i: usize, field: &str, value: Option<f64>) -> Result<f64, SamplingError> {
    let v = value.ok_or_else(|| SamplingError::input(format!("{}: missing", path(i, field))))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(SamplingError::input(format!(
            "{}: must be within [0, 1], got {v}",
            path(i, field)
        )))
    }
}

fn at_least(
    i: usize,
    field: &str,
    value: Option<i64>,
    min: i64,
) -> Result<Option<u64>, SamplingError> {
    match value {
        None => Ok(None),
        Some(v) if v >= min => Ok(Some(v as u64)),
        Some(v) => Err(SamplingError::input(format!(
            "{}: must be >= {min}, got {v}",
            path(i, field)
        ))),
    }
}

/// Range checks and class tables: turns the specs of known types (unknown
/// types must be filtered out by the caller, see [`KNOWN_TYPES`]) into
/// strategies. `indices[k]` is the position of `specs[k]` in the config list,
/// used in error paths.
pub fn build(
    specs: &[(usize, StrategySpec)],
) -> Result<(Vec<Strategy>, ClassTable), SamplingError> {
    let mut classes = ClassTable::default();
    for (_, spec) in specs {
        for name in spec.selected_class_names.iter().flatten() {
            classes.insert(name);
        }
    }
    let selection = |names: &Option<Vec<String>>| match names {
        None => Selection::All,
        Some(names) => {
            let mut table = vec![false; classes.len() + 1];
            for name in names {
                table[classes.get(name) as usize] = true;
            }
            Selection::Some(table.into_boxed_slice())
        }
    };
    let mut strategies = Vec::with_capacity(specs.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(specs.len());
    for &(i, ref spec) in specs {
        if spec.name.is_empty() {
            return Err(SamplingError::input(format!(
                "{}: must not be empty",
                path(i, "name")
            )));
        }
        if let Some(first) = seen.insert(spec.name.as_str(), i) {
            return Err(SamplingError::input(format!(
                "{}: duplicate name {:?} (also sampling_strategies[{first}])",
                path(i, "name"),
                spec.name
            )));
        }
        let strategy = match spec.kind.as_str() {
            "random" => Strategy {
                name: spec.name.clone(),
                probability: unit_interval(i, "traffic_percentage", spec.traffic_percentage)?,
                rule: Rule::Random,
            },
            "close_to_threshold" => {
                let threshold = unit_interval(i, "threshold", spec.threshold)?;
                let epsilon = unit_interval(i, "epsilon", spec.epsilon)?;
                let probability = unit_interval(i, "probability", spec.probability)?;
                let minimum_objects = at_least(
                    i,
                    "minimum_objects_close_to_threshold",
                    spec.minimum_objects_close_to_threshold,
                    1,
                )?
                .unwrap_or(1);
                Strategy {
                    name: spec.name.clone(),
                    probability,
                    rule: Rule::CloseToThreshold {
                        threshold,
                        epsilon,
                        minimum_objects,
                        only_top_classes: spec.only_top_classes.unwrap_or(true),
                        selection: selection(&spec.selected_class_names),
                    },
                }
            }
            "classes_based" => {
                let probability = unit_interval(i, "probability", spec.probability)?;
                if spec.selected_class_names.is_none() {
                    return Err(SamplingError::input(format!(
                        "{}: missing",
                        path(i, "selected_class_names")
                    )));
                }
                Strategy {
                    name: spec.name.clone(),
                    probability,
                    rule: Rule::ClassesBased {
                        selection: selection(&spec.selected_class_names),
                    },
                }
            }
            "detections_number_based" => {
                let probability = unit_interval(i, "probability", spec.probability)?;
                let more_than = at_least(i, "more_than", spec.more_than, 0)?;
                let less_than = at_least(i, "less_than", spec.less_than, 0)?;
                if let (Some(m), Some(l)) = (more_than, less_than) {
                    if m >= l {
                        return Err(SamplingError::input(format!(
                            "{}: more_than ({m}) must be < less_than ({l})",
                            path(i, "more_than")
                        )));
                    }
                }
                Strategy {
                    name: spec.name.clone(),
                    probability,
                    rule: Rule::DetectionsNumber {
                        more_than,
                        less_than,
                        selection: selection(&spec.selected_class_names),
                    },
                }
            }
            "uncertainty" => {
                let measure = match spec.measure.as_deref() {
                    None => {
                        return Err(SamplingError::input(format!(
                            "{}: missing",
                            path(i, "measure")
                        )))
                    }
                    Some(m) => Measure::parse(m).ok_or_else(|| {
                        SamplingError::input(format!(
                            "{}: must be one of {}, got {m:?}",
                            path(i, "measure"),
                            Measure::NAMES.join(", ")
                        ))
                    })?,
                };
                let min = unit_interval(i, "min", Some(spec.min.unwrap_or(0.0)))?;
                let max = unit_interval(i, "max", Some(spec.max.unwrap_or(1.0)))?;
                if min > max {
                    return Err(SamplingError::input(format!(
                        "{}: min ({min}) must be <= max ({max})",
                        path(i, "min")
                    )));
                }
                let aggregate = match spec.aggregate.as_deref() {
                    None => Aggregate::Max,
                    Some(a) => Aggregate::parse(a).ok_or_else(|| {
                        SamplingError::input(format!(
                            "{}: must be one of {}, got {a:?}",
                            path(i, "aggregate"),
                            Aggregate::NAMES.join(", ")
                        ))
                    })?,
                };
                let probability = unit_interval(i, "probability", spec.probability)?;
                Strategy {
                    name: spec.name.clone(),
                    probability,
                    rule: Rule::Uncertainty {
                        measure,
                        aggregate,
                        min,
                        max,
                        selection: selection(&spec.selected_class_names),
                    },
                }
            }
            other => {
                return Err(SamplingError::input(format!(
                    "{}: unknown strategy type {other:?}",
                    path(i, "type")
                )))
            }
        };
        strategies.push(strategy);
    }
    Ok((strategies, classes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_table_scans_and_hashes_alike() {
        for count in [3, SCAN_MAX, SCAN_MAX + 1, 50] {
            let mut table = ClassTable::default();
            let names: Vec<String> = (0..count).map(|i| format!("class-{i}")).collect();
            for n in &names {
                table.insert(n);
            }
            table.insert("class-0");
            assert_eq!(table.len(), count);
            for (i, n) in names.iter().enumerate() {
                assert_eq!(table.get(n), i as u32);
            }
            assert_eq!(table.get("class-"), table.unknown());
            assert_eq!(table.get(""), count as u32);
        }
    }
}
