//! framesieve's Python exceptions, and the one mapping of every core error
//! to them. Bad input raises subclasses of both `FramesieveError` and the
//! builtin a Python user expects (`ValueError`, `TypeError`,
//! `ConnectionError`), so either `except` clause catches it.

use pyo3::exceptions::{PyConnectionError, PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::dedup::DedupError;
use crate::diversity::DiversityError;
use crate::image::ImageError;
use crate::limits::LimitsError;
use crate::nms::NmsError;
use crate::sampling::SamplingError;

pyo3::create_exception!(
    framesieve,
    FramesieveError,
    PyException,
    "Base class of every error framesieve raises."
);

static INVALID_INPUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INVALID_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static LIMITER_CONNECTION: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `type(name, (FramesieveError, builtin), {...})`: PyO3's macro takes one base only.
fn subclass<'py>(
    py: Python<'py>,
    name: &str,
    builtin: Bound<'py, PyType>,
    doc: &str,
) -> PyResult<Py<PyType>> {
    let bases = PyTuple::new(py, [py.get_type::<FramesieveError>(), builtin])?;
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "framesieve")?;
    namespace.set_item("__doc__", doc)?;
    let created = py.get_type::<PyType>().call1((name, bases, namespace))?;
    Ok(created.cast_into::<PyType>()?.unbind())
}

fn get<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    builtin: Bound<'py, PyType>,
    doc: &str,
) -> PyResult<&'static Py<PyType>> {
    cell.get_or_try_init(py, || subclass(py, name, builtin, doc))
}

fn invalid_input_type(py: Python<'_>) -> PyResult<&'static Py<PyType>> {
    get(
        py,
        &INVALID_INPUT,
        "InvalidInputError",
        py.get_type::<PyValueError>(),
        "An argument has a bad value (a ValueError).",
    )
}

fn invalid_type_type(py: Python<'_>) -> PyResult<&'static Py<PyType>> {
    get(
        py,
        &INVALID_TYPE,
        "InvalidTypeError",
        py.get_type::<PyTypeError>(),
        "An argument has the wrong type (a TypeError).",
    )
}

fn limiter_connection_type(py: Python<'_>) -> PyResult<&'static Py<PyType>> {
    get(
        py,
        &LIMITER_CONNECTION,
        "LimiterConnectionError",
        py.get_type::<PyConnectionError>(),
        "The limits backend (Redis) could not be reached (a ConnectionError).",
    )
}

fn raise(make: fn(Python<'_>) -> PyResult<&'static Py<PyType>>, message: String) -> PyErr {
    Python::attach(|py| match make(py) {
        Ok(ty) => PyErr::from_type(ty.bind(py).clone(), message),
        Err(err) => err,
    })
}

/// A `ValueError` (and `FramesieveError`) carrying `message`.
pub fn invalid_input(message: impl Into<String>) -> PyErr {
    raise(invalid_input_type, message.into())
}

/// A `TypeError` (and `FramesieveError`) carrying `message`.
pub fn invalid_type(message: impl Into<String>) -> PyErr {
    raise(invalid_type_type, message.into())
}

/// A `ConnectionError` (and `FramesieveError`) carrying `message`.
pub fn limiter_connection(message: impl Into<String>) -> PyErr {
    raise(limiter_connection_type, message.into())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FramesieveError", py.get_type::<FramesieveError>())?;
    m.add("InvalidInputError", invalid_input_type(py)?.bind(py))?;
    m.add("InvalidTypeError", invalid_type_type(py)?.bind(py))?;
    m.add(
        "LimiterConnectionError",
        limiter_connection_type(py)?.bind(py),
    )?;
    Ok(())
}

// ------------------------------------------------ core errors -> Python --

impl From<SamplingError> for PyErr {
    fn from(err: SamplingError) -> PyErr {
        match err {
            SamplingError::InvalidInput(m) => invalid_input(m),
            SamplingError::InvalidType(m) => invalid_type(m),
        }
    }
}

impl From<LimitsError> for PyErr {
    fn from(err: LimitsError) -> PyErr {
        match err {
            LimitsError::InvalidNow(_)
            | LimitsError::InvalidUrl(_)
            | LimitsError::InvalidOption(_) => invalid_input(err.to_string()),
            LimitsError::Connection(message) => limiter_connection(message),
        }
    }
}

impl From<DedupError> for PyErr {
    fn from(err: DedupError) -> PyErr {
        match err {
            DedupError::InvalidInput(m) => invalid_input(m),
            DedupError::Shared(err) => err.into(),
        }
    }
}

impl From<DiversityError> for PyErr {
    fn from(err: DiversityError) -> PyErr {
        match err {
            DiversityError::InvalidInput(m) => invalid_input(m),
        }
    }
}

impl From<ImageError> for PyErr {
    fn from(err: ImageError) -> PyErr {
        match err {
            // Failures of the libraries, not of the caller's input.
            ImageError::Encode(_) | ImageError::Resize(_) => {
                FramesieveError::new_err(err.to_string())
            }
            _ => invalid_input(err.to_string()),
        }
    }
}

impl From<NmsError> for PyErr {
    fn from(err: NmsError) -> PyErr {
        invalid_input(err.to_string())
    }
}
