//! PyO3 wrappers of the `limits` core: `MemoryLimiter` and `RedisLimiter`.
//!
//! Both are `#[pyclass(frozen)]` over atomics (and, for Redis, a small pool of
//! connections), so Python threads share one limiter without the GIL. The
//! in-memory decision never blocks and runs attached (detaching would cost
//! more than the decision); every Redis call runs detached.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::Borrowed;
use smallvec::SmallVec;

use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use super::errors::{invalid_input, invalid_type, limiter_connection};
use crate::limits::window::clock_now;
use crate::limits::{
    Candidate, Limits, LimitsError, MemoryLimiter, Notice, RedisLimiter, RedisOptions, WindowKind,
};

impl From<LimitsError> for PyErr {
    fn from(err: LimitsError) -> PyErr {
        match err {
            LimitsError::InvalidNow(_) | LimitsError::InvalidUrl(_) => {
                invalid_input(err.to_string())
            }
            LimitsError::Connection(message) => limiter_connection(message),
        }
    }
}

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

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |name| name.to_string())
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
        Err(invalid_type(format!(
            "{}: expected {expected}, got {}",
            path(),
            type_name(obj)
        )))
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
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
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
type Parsed = SmallVec<[Candidate<PyBackedStr>; 4]>;

/// Reads `[(strategy_name, [(window_type, value), ...]), ...]` into `parsed`,
/// naming the offending item on error.
fn parse_candidates(candidates: &Bound<'_, PyAny>, parsed: &mut Parsed) -> PyResult<()> {
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

fn now_or_clock(now: Option<f64>) -> f64 {
    now.unwrap_or_else(clock_now)
}

/// Hands a core notice to Python's `logging` (logger `framesieve.limits`).
fn emit(py: Python<'_>, notice: Option<Notice>) -> PyResult<()> {
    let Some(notice) = notice else {
        return Ok(());
    };
    let logger = py
        .import("logging")?
        .call_method1("getLogger", ("framesieve.limits",))?;
    match notice {
        Notice::FellBack(message) => logger.call_method1("warning", (message,))?,
        Notice::Recovered(message) => logger.call_method1("info", (message,))?,
    };
    Ok(())
}

/// In-process rate limiter, lock-free (compare-and-swap on packed
/// window-id/count atomics). Shared by the threads of one process.
#[pyclass(frozen, module = "framesieve", name = "MemoryLimiter")]
pub struct PyMemoryLimiter {
    inner: MemoryLimiter,
}

#[pymethods]
impl PyMemoryLimiter {
    #[new]
    fn new() -> Self {
        PyMemoryLimiter {
            inner: MemoryLimiter::new(),
        }
    }

    /// Takes one credit from every window of the first candidate with spare
    /// credit in all of them; returns its name, or None.
    #[pyo3(signature = (scope, candidates, now = None))]
    fn take(
        &self,
        scope: &str,
        candidates: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<Option<PyBackedStr>> {
        let mut parsed = Parsed::new();
        parse_candidates(candidates, &mut parsed)?;
        let chosen = self.inner.take(scope, &parsed, now_or_clock(now))?;
        Ok(chosen.map(|i| parsed.swap_remove(i).strategy))
    }

    /// Returns one credit to each window of `strategy_name` that `now` falls in.
    #[pyo3(signature = (scope, strategy_name, now = None))]
    fn give_back(&self, scope: &str, strategy_name: &str, now: Option<f64>) -> PyResult<()> {
        Ok(self
            .inner
            .give_back(scope, strategy_name, now_or_clock(now))?)
    }

    /// Adds `delta` to counter `name` of `scope`; returns the new value.
    #[pyo3(signature = (scope, name, delta = 1))]
    fn counter_add(&self, scope: &str, name: &str, delta: i64) -> i64 {
        self.inner.counter_add(scope, name, delta)
    }

    /// The value of counter `name` of `scope` (0 when never written).
    fn counter_get(&self, scope: &str, name: &str) -> i64 {
        self.inner.counter_get(scope, name)
    }

    /// Adds 1 to counter `name` of `scope` when it is below `limit`; returns
    /// whether it did.
    fn counter_take(&self, scope: &str, name: &str, limit: i64) -> bool {
        self.inner.counter_take(scope, name, limit)
    }

    fn __repr__(&self) -> &'static str {
        "MemoryLimiter()"
    }
}

fn duration(name: &str, seconds: f64) -> PyResult<Duration> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(invalid_input(format!(
            "{name}: must be a number of seconds in (0, 86400], got {seconds}"
        )))
    }
}

/// Rate limiter shared through Redis by every process (and machine) using
/// the same server: one round trip per decision, never overshooting.
fn check_dedup_args(max_hamming: u32, window_seconds: f64, max_entries: u64) -> PyResult<()> {
    if max_hamming > 64 {
        return Err(invalid_input(format!(
            "max_hamming: must be within [0, 64], got {max_hamming}"
        )));
    }
    if !(window_seconds.is_finite() && window_seconds > 0.0) {
        return Err(invalid_input(format!(
            "window_seconds: must be a finite number > 0, got {window_seconds}"
        )));
    }
    if max_entries == 0 {
        return Err(invalid_input(
            "max_entries: must be >= 1, got 0".to_string(),
        ));
    }
    Ok(())
}

#[pyclass(frozen, module = "framesieve", name = "RedisLimiter")]
pub struct PyRedisLimiter {
    inner: RedisLimiter,
}

#[pymethods]
impl PyRedisLimiter {
    #[new]
    #[pyo3(signature = (url, *, strict = false, connect_timeout = 1.0, timeout = 1.0, retry_interval = 1.0))]
    fn new(
        url: &str,
        strict: bool,
        connect_timeout: f64,
        timeout: f64,
        retry_interval: f64,
    ) -> PyResult<Self> {
        let options = RedisOptions {
            strict,
            connect_timeout: duration("connect_timeout", connect_timeout)?,
            timeout: duration("timeout", timeout)?,
            retry_interval: duration("retry_interval", retry_interval)?,
            ..RedisOptions::default()
        };
        Ok(PyRedisLimiter {
            inner: RedisLimiter::new(url, options)?,
        })
    }

    /// Like `MemoryLimiter.take`, decided by Redis in one round trip.
    #[pyo3(signature = (scope, candidates, now = None))]
    fn take(
        &self,
        py: Python<'_>,
        scope: &str,
        candidates: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<Option<PyBackedStr>> {
        let mut parsed = Parsed::new();
        parse_candidates(candidates, &mut parsed)?;
        let now = now_or_clock(now);
        let (chosen, notice) = py.detach(|| self.inner.take(scope, &parsed, now))?;
        emit(py, notice)?;
        Ok(chosen.map(|i| parsed.swap_remove(i).strategy))
    }

    /// Returns one credit to each window of `strategy_name` that `now` falls in.
    #[pyo3(signature = (scope, strategy_name, now = None))]
    fn give_back(
        &self,
        py: Python<'_>,
        scope: &str,
        strategy_name: &str,
        now: Option<f64>,
    ) -> PyResult<()> {
        let now = now_or_clock(now);
        let notice = py.detach(|| self.inner.give_back(scope, strategy_name, now))?;
        emit(py, notice)
    }

    /// Adds `delta` to counter `name` of `scope`; returns the new value.
    #[pyo3(signature = (scope, name, delta = 1))]
    fn counter_add(&self, py: Python<'_>, scope: &str, name: &str, delta: i64) -> PyResult<i64> {
        let (value, notice) = py.detach(|| self.inner.counter_add(scope, name, delta))?;
        emit(py, notice)?;
        Ok(value)
    }

    /// The value of counter `name` of `scope` (0 when absent).
    fn counter_get(&self, py: Python<'_>, scope: &str, name: &str) -> PyResult<i64> {
        let (value, notice) = py.detach(|| self.inner.counter_get(scope, name))?;
        emit(py, notice)?;
        Ok(value)
    }

    /// Adds 1 to counter `name` of `scope` when it is below `limit`; returns
    /// whether it did.
    fn counter_take(&self, py: Python<'_>, scope: &str, name: &str, limit: i64) -> PyResult<bool> {
        let (taken, notice) = py.detach(|| self.inner.counter_take(scope, name, limit))?;
        emit(py, notice)?;
        Ok(taken)
    }

    /// Whether a frame hash within `max_hamming` bits of `hash` was remembered
    /// in `scope` during the `window_seconds` before `now`, by any process
    /// sharing this Redis (one round trip). `None` when Redis cannot be
    /// reached and the limiter falls back: decide locally then.
    #[pyo3(signature = (scope, hash, max_hamming, window_seconds, now = None))]
    fn near_duplicate(
        &self,
        py: Python<'_>,
        scope: &str,
        hash: u64,
        max_hamming: u32,
        window_seconds: f64,
        now: Option<f64>,
    ) -> PyResult<Option<bool>> {
        check_dedup_args(max_hamming, window_seconds, 1)?;
        let now = now_or_clock(now);
        let (found, notice) = py.detach(|| {
            self.inner
                .near_duplicate(scope, hash, now, window_seconds, max_hamming)
        })?;
        emit(py, notice)?;
        Ok(found)
    }

    /// Remembers the frame hash `hash` in `scope` at `now` for
    /// `window_seconds`; the set keeps the newest `max_entries` hashes.
    #[pyo3(signature = (scope, hash, window_seconds, max_entries, now = None))]
    fn remember_hash(
        &self,
        py: Python<'_>,
        scope: &str,
        hash: u64,
        window_seconds: f64,
        max_entries: u64,
        now: Option<f64>,
    ) -> PyResult<()> {
        check_dedup_args(0, window_seconds, max_entries)?;
        let now = now_or_clock(now);
        let notice = py.detach(|| {
            self.inner
                .remember_hash(scope, hash, now, window_seconds, max_entries)
        })?;
        emit(py, notice)
    }

    /// One PING to Redis through the limiter's connections; raises
    /// `LimiterConnectionError` when Redis cannot be reached (never falls back).
    fn ping(&self, py: Python<'_>) -> PyResult<()> {
        Ok(py.detach(|| self.inner.ping())?)
    }

    /// Counters: `fallback_decisions`, `redis_errors`, `reconnects`,
    /// `connections_opened`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.inner.stats();
        let dict = PyDict::new(py);
        dict.set_item("fallback_decisions", stats.fallback_decisions)?;
        dict.set_item("redis_errors", stats.redis_errors)?;
        dict.set_item("reconnects", stats.reconnects)?;
        dict.set_item("connections_opened", stats.connections_opened)?;
        Ok(dict)
    }

    /// The URL with its password masked.
    #[getter]
    fn url(&self) -> &str {
        self.inner.display_url()
    }

    /// Whether Redis errors raise instead of falling back to in-process limits.
    #[getter]
    fn strict(&self) -> bool {
        self.inner.options().strict
    }

    fn __repr__(&self) -> String {
        format!(
            "RedisLimiter({:?}, strict={})",
            self.inner.display_url(),
            if self.inner.options().strict {
                "True"
            } else {
                "False"
            }
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMemoryLimiter>()?;
    m.add_class::<PyRedisLimiter>()?;
    Ok(())
}
