//! The `strategies` argument of `_core.Sampler`: validated strategy objects
//! (the frozen dataclasses of `framesieve.config_model`, or anything with the
//! same attributes) read by attribute into the core's typed `StrategySpec`s.
//! Ranges, defaults and unique names were checked by `framesieve.config`;
//! nothing is checked again here.

use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::py::convert::expected;
use crate::py::errors::invalid_type;
use crate::sampling::strategy::{
    parse_aggregate, parse_measure, StrategyKind, StrategySpec, StrategyType,
};

/// What every strategy has (`type` is a class attribute of the dataclasses).
#[derive(FromPyObject)]
struct Common {
    name: String,
    #[pyo3(attribute("type"))]
    kind: String,
}

#[derive(FromPyObject)]
struct RandomStrategy {
    traffic_percentage: f64,
}

#[derive(FromPyObject)]
struct CloseToThresholdStrategy {
    threshold: f64,
    epsilon: f64,
    probability: f64,
    selected_class_names: Option<Vec<String>>,
    minimum_objects_close_to_threshold: u64,
    only_top_classes: bool,
}

#[derive(FromPyObject)]
struct ClassesBasedStrategy {
    selected_class_names: Vec<String>,
    probability: f64,
}

#[derive(FromPyObject)]
struct DetectionsNumberBasedStrategy {
    probability: f64,
    more_than: Option<u64>,
    less_than: Option<u64>,
    selected_class_names: Option<Vec<String>>,
}

#[derive(FromPyObject)]
struct UncertaintyStrategy {
    measure: String,
    min: f64,
    max: f64,
    probability: f64,
    aggregate: String,
    selected_class_names: Option<Vec<String>>,
}

/// The derive's error ("failed to extract field RandomStrategy.name", with
/// the attribute's own error as its cause) as one message naming the strategy.
fn attribute_error(py: Python<'_>, at: &str, err: PyErr) -> PyErr {
    let mut message = format!("{at}: {err}");
    let mut cause = err.cause(py);
    while let Some(inner) = cause {
        message.push_str(&format!(", caused by {inner}"));
        cause = inner.cause(py);
    }
    invalid_type(message)
}

fn read<'py, T: FromPyObjectOwned<'py>>(obj: &Bound<'py, PyAny>, at: &str) -> PyResult<T> {
    obj.extract::<T>()
        .map_err(|err| attribute_error(obj.py(), at, err.into()))
}

/// One strategy object, at position `i` of `strategies`.
fn spec(obj: &Bound<'_, PyAny>, i: usize) -> PyResult<StrategySpec> {
    let at = format!("strategies[{i}]");
    let Common { name, kind } = read(obj, &at)?;
    let kind = match StrategyType::parse(&kind, &at)? {
        StrategyType::Random => {
            let s: RandomStrategy = read(obj, &at)?;
            StrategyKind::Random {
                traffic_percentage: s.traffic_percentage,
            }
        }
        StrategyType::CloseToThreshold => {
            let s: CloseToThresholdStrategy = read(obj, &at)?;
            StrategyKind::CloseToThreshold {
                threshold: s.threshold,
                epsilon: s.epsilon,
                probability: s.probability,
                selected_class_names: s.selected_class_names,
                minimum_objects_close_to_threshold: s.minimum_objects_close_to_threshold,
                only_top_classes: s.only_top_classes,
            }
        }
        StrategyType::ClassesBased => {
            let s: ClassesBasedStrategy = read(obj, &at)?;
            StrategyKind::ClassesBased {
                selected_class_names: s.selected_class_names,
                probability: s.probability,
            }
        }
        StrategyType::DetectionsNumberBased => {
            let s: DetectionsNumberBasedStrategy = read(obj, &at)?;
            StrategyKind::DetectionsNumberBased {
                probability: s.probability,
                more_than: s.more_than,
                less_than: s.less_than,
                selected_class_names: s.selected_class_names,
            }
        }
        StrategyType::Uncertainty => {
            let s: UncertaintyStrategy = read(obj, &at)?;
            StrategyKind::Uncertainty {
                measure: parse_measure(&s.measure, &at)?,
                min: s.min,
                max: s.max,
                probability: s.probability,
                aggregate: parse_aggregate(&s.aggregate, &at)?,
                selected_class_names: s.selected_class_names,
            }
        }
    };
    Ok(StrategySpec { name, kind })
}

/// `strategies` (a list or tuple of strategy objects) in order.
pub fn specs(strategies: &Bound<'_, PyAny>) -> PyResult<Vec<StrategySpec>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = strategies.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = strategies.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(expected(
            "strategies",
            "a list of strategy objects",
            strategies,
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, obj)| spec(obj, i))
        .collect()
}
