//! Conversions every wrapper shares: type names and "expected X, got T"
//! errors, ints that are not bools, JSON numbers, the `now` argument, dtypes.

use numpy::{PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};

use super::errors::{invalid_input, invalid_type};
use crate::limits::window::clock_now;

/// `type(value).__name__`, for messages.
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// `InvalidTypeError("{path}: expected {what}, got {type}")`.
pub fn expected(path: &str, what: &str, got: &Bound<'_, PyAny>) -> PyErr {
    invalid_type(format!("{path}: expected {what}, got {}", type_name(got)))
}

/// A Python int that is not a bool (`True` would otherwise pass as 1).
#[inline]
pub fn is_int(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>()
}

/// A JSON number: a float, or an int that is not a bool, as a double.
#[inline]
pub fn number(value: &Bound<'_, PyAny>, path: impl FnOnce() -> String) -> PyResult<f64> {
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(f.value());
    }
    if is_int(value) {
        return value
            .extract::<f64>()
            .map_err(|_| invalid_input(format!("{}: int too large to convert to float", path())));
    }
    Err(expected(&path(), "a number", value))
}

/// An int argument (not a bool) that fits an i64.
pub fn int_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    if !is_int(value) {
        return Err(expected(name, "an int", value));
    }
    value
        .extract::<i64>()
        .map_err(|_| invalid_input(format!("{name}: out of range, got {value}")))
}

/// A number argument: an int (not a bool) or a float, as a double.
pub fn number_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    if !(is_int(value) || value.is_instance_of::<PyFloat>()) {
        return Err(expected(name, "a number", value));
    }
    value
        .extract::<f64>()
        .map_err(|_| invalid_input(format!("{name}: out of range, got {value}")))
}

/// The `now` argument: seconds as given, or the clock's UNIX seconds.
pub fn now_or_clock(now: Option<f64>) -> f64 {
    now.unwrap_or_else(clock_now)
}

/// `str(array.dtype)` (`float32`, `>f8`, ...), for messages.
pub fn dtype_name(array: &Bound<'_, PyUntypedArray>) -> String {
    array
        .dtype()
        .str()
        .map_or_else(|_| "?".to_owned(), |s| s.to_string())
}
