//! The `candidates` argument of the limiters' `take`:
//! `[(strategy_name, [(window_type, value), ...]), ...]`, read on every
//! decision without copying (lists or tuples, interned window names compared
//! by address), naming the offending item on error.

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::Borrowed;
use smallvec::SmallVec;

use crate::limits::{Candidate, Limits, WindowKind};
use crate::py::convert::{expected as expected_type, is_int, type_name};
use crate::py::errors::{invalid_input, invalid_type};

/// A list or a tuple, read by index without copying.
enum Items<'a, 'py> {
    List(&'a Bound<'py, PyList>),
    Tuple(&'a Bound<'py, PyTuple>),
}

impl<'py> Items<'_, 'py> {
    fn len(&self) -> usize {
        match self {
            Items::List(list) => list.len(),
            Items::Tuple(tuple) => tuple.len(),
        }
    }

    fn get<'a>(&'a self, index: usize) -> PyResult<Item<'a, 'py>> {
        match self {
            Items::List(list) => list.get_item(index).map(Item::Owned),
            // A tuple cannot change under us: borrow, no reference counting.
            Items::Tuple(tuple) => tuple.get_borrowed_item(index).map(Item::Borrowed),
        }
    }
}

/// An item of a list (a new reference) or of a tuple (borrowed).
enum Item<'a, 'py> {
    Owned(Bound<'py, PyAny>),
    Borrowed(Borrowed<'a, 'py, PyAny>),
}

impl<'py> std::ops::Deref for Item<'_, 'py> {
    type Target = Bound<'py, PyAny>;

    fn deref(&self) -> &Bound<'py, PyAny> {
        match self {
            Item::Owned(bound) => bound,
            Item::Borrowed(borrowed) => borrowed,
        }
    }
}

fn items<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    path: &dyn Fn() -> String,
    expected: &str,
) -> PyResult<Items<'a, 'py>> {
    // Exact types first: a pointer comparison, where the subclass checks of the
    // limited API are function calls.
    if let Ok(list) = obj.cast_exact::<PyList>() {
        Ok(Items::List(list))
    } else if let Ok(tuple) = obj.cast_exact::<PyTuple>() {
        Ok(Items::Tuple(tuple))
    } else if let Ok(list) = obj.cast::<PyList>() {
        Ok(Items::List(list))
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        Ok(Items::Tuple(tuple))
    } else {
        Err(expected_type(&path(), expected, obj))
    }
}

/// A limit value: an int >= 0 (an integral float is accepted too, as in the
/// configuration).
fn limit_value(obj: &Bound<'_, PyAny>, path: &dyn Fn() -> String) -> PyResult<u64> {
    // The common case: an exact int that fits i64 (one C call; the u64
    // conversion of the limited API is several times slower).
    if obj.is_exact_instance_of::<PyInt>() {
        if let Ok(value) = obj.extract::<i64>() {
            if let Ok(value) = u64::try_from(value) {
                return Ok(value);
            }
        }
    }
    if is_int(obj) {
        if let Ok(value) = obj.extract::<u64>() {
            return Ok(value);
        }
        return Err(invalid_input(format!(
            "{}: limit must be an int >= 0, got {}",
            path(),
            obj.str()
                .map_or_else(|_| "?".to_string(), |s| s.to_string())
        )));
    }
    if let Ok(float) = obj.cast::<PyFloat>() {
        let value = float.value();
        if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < 1.8e19 {
            return Ok(value as u64);
        }
        return Err(invalid_input(format!(
            "{}: limit must be an int >= 0, got {value}",
            path()
        )));
    }
    Err(invalid_type(format!(
        "{}: limit must be an int, got {}",
        path(),
        type_name(obj)
    )))
}

/// A window type given as a string that is not one of the interned names.
fn window_kind(obj: &Bound<'_, PyAny>, path: &dyn Fn() -> String) -> PyResult<WindowKind> {
    let Ok(text) = obj.cast::<PyString>() else {
        return Err(invalid_type(format!(
            "{}[0]: window type must be a str, got {}",
            path(),
            type_name(obj)
        )));
    };
    let text = text.to_str()?;
    WindowKind::from_config_name(text).ok_or_else(|| {
        invalid_input(format!(
            "{}[0]: window type must be one of 'minutely', 'hourly', 'daily', got {text:?}",
            path()
        ))
    })
}

/// The window type names as interned Python strings, in `WindowKind::ALL` order.
static KIND_NAMES: PyOnceLock<[Py<PyString>; 3]> = PyOnceLock::new();

/// Candidates on the stack for the usual handful of strategies.
pub type Parsed = SmallVec<[Candidate<PyBackedStr>; 4]>;

/// Reads `[(strategy_name, [(window_type, value), ...]), ...]` into `parsed`,
/// naming the offending item on error.
pub fn parse_candidates(candidates: &Bound<'_, PyAny>, parsed: &mut Parsed) -> PyResult<()> {
    let outer = items(
        candidates,
        &|| "candidates".to_string(),
        "a list of (strategy_name, limits) tuples",
    )?;
    parsed.reserve(outer.len());
    let kind_names = KIND_NAMES.get_or_init(candidates.py(), || {
        WindowKind::ALL.map(|kind| PyString::intern(candidates.py(), kind.config_name()).unbind())
    });
    for i in 0..outer.len() {
        let item = outer.get(i)?;
        let pair = items(
            &item,
            &|| format!("candidates[{i}]"),
            "a (strategy_name, limits) tuple",
        )?;
        if pair.len() != 2 {
            return Err(invalid_input(format!(
                "candidates[{i}]: expected a (strategy_name, limits) pair, got {} items",
                pair.len()
            )));
        }
        let name = pair.get(0)?;
        let strategy: PyBackedStr = match name
            .cast_exact::<PyString>()
            .or_else(|_| name.cast::<PyString>())
        {
            Ok(name) => name.clone().try_into()?,
            Err(_) => {
                return Err(invalid_type(format!(
                    "candidates[{i}][0]: strategy name must be a str, got {}",
                    type_name(&name)
                )))
            }
        };
        let windows_obj = pair.get(1)?;
        let windows = items(
            &windows_obj,
            &|| format!("candidates[{i}][1]"),
            "a list of (window_type, value) tuples",
        )?;
        let mut limits = Limits::default();
        for j in 0..windows.len() {
            let window_obj = windows.get(j)?;
            let path = || format!("candidates[{i}][1][{j}]");
            let window = items(&window_obj, &path, "a (window_type, value) tuple")?;
            if window.len() != 2 {
                return Err(invalid_input(format!(
                    "{}: expected a (window_type, value) pair, got {} items",
                    path(),
                    window.len()
                )));
            }
            let kind_obj = window.get(0)?;
            // Fast path: the interned "minutely"/"hourly"/"daily" (string
            // literals in Python code are interned) compare by address.
            let interned = kind_names
                .iter()
                .position(|name| name.as_ptr() == kind_obj.as_ptr());
            let kind = match interned {
                Some(index) => WindowKind::ALL[index],
                None => window_kind(&kind_obj, &path)?,
            };
            let value = limit_value(&*window.get(1)?, &|| format!("{}[1]", path()))?;
            limits.add(kind, value);
        }
        parsed.push(Candidate { strategy, limits });
    }
    Ok(())
}
