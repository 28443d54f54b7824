//! PyO3 wrapper of the uncertainty measures (for tests and for users who want
//! the number itself): `uncertainty(measure, probabilities)`.

use pyo3::prelude::*;

use super::errors::invalid_input;
use crate::sampling::uncertainty::{of_confidence, of_distribution, Measure};

fn measure_arg(name: &str) -> PyResult<Measure> {
    Measure::parse(name).ok_or_else(|| {
        invalid_input(format!(
            "measure: must be one of 'entropy', 'margin', 'least_confidence', got {name:?}"
        ))
    })
}

/// The uncertainty in [0, 1] of a class-probability vector (a sequence of
/// floats), or `None` when it has none (empty, NaN, negative, sums to 0).
#[pyfunction]
fn uncertainty(measure: &str, probabilities: Vec<f64>) -> PyResult<Option<f64>> {
    Ok(of_distribution(measure_arg(measure)?, &probabilities))
}

/// The uncertainty in [0, 1] of one confidence as the two classes `(c, 1 - c)`.
#[pyfunction]
fn confidence_uncertainty(measure: &str, confidence: f64) -> PyResult<Option<f64>> {
    Ok(of_confidence(measure_arg(measure)?, confidence))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(uncertainty, m)?)?;
    m.add_function(wrap_pyfunction!(confidence_uncertainty, m)?)?;
    Ok(())
}
