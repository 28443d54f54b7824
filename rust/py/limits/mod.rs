//! PyO3 wrappers of the `limits` core: `MemoryLimiter` and `RedisLimiter`.
//!
//! Both are `#[pyclass(frozen)]` over atomics (and, for Redis, a small pool of
//! connections), so Python threads share one limiter without the GIL. The
//! in-memory decision never blocks and runs attached (detaching would cost
//! more than the decision); every Redis call runs detached.

mod candidates;
mod redis;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use self::candidates::{parse_candidates, Parsed};
use crate::limits::{Admitted, MemoryLimiter, Notice};
use crate::py::convert::now_or_clock;

/// Hands a core notice to Python's `logging` (logger `framesieve.limits`).
/// What `admit` returns to Python: `(strategy, None)` when admitted, else
/// `(None, "limited" | "batch_full")`.
type AdmitAnswer = (Option<PyBackedStr>, Option<&'static str>);

fn admit_answer(admitted: Admitted, mut parsed: Parsed) -> AdmitAnswer {
    match admitted {
        Admitted::Strategy(i) if i < parsed.len() => (Some(parsed.swap_remove(i).strategy), None),
        Admitted::BatchFull => (None, Some("batch_full")),
        Admitted::NearDuplicate => (None, Some("near_duplicate")),
        Admitted::Strategy(_) | Admitted::Limited => (None, Some("limited")),
    }
}

/// `(name, max_batch_images)` from the keyword arguments of `admit`.
fn batch_cap(batch: Option<&str>, max_batch: Option<i64>) -> PyResult<Option<(&str, i64)>> {
    match (batch, max_batch) {
        (Some(name), Some(cap)) => Ok(Some((name, cap))),
        (None, None) => Ok(None),
        _ => Err(crate::py::errors::invalid_input(
            "admit: batch and max_batch go together (the batch's name and its max_batch_images)",
        )),
    }
}

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

    /// A kept frame's admission: room in `batch` (at most `max_batch`
    /// images) and a credit of the first candidate with one, both or
    /// neither. Returns `(strategy, None)`, or `(None, "limited" | "batch_full")`.
    #[pyo3(signature = (scope, candidates, now = None, *, batch = None, max_batch = None))]
    fn admit(
        &self,
        scope: &str,
        candidates: &Bound<'_, PyAny>,
        now: Option<f64>,
        batch: Option<&str>,
        max_batch: Option<i64>,
    ) -> PyResult<AdmitAnswer> {
        let batch = batch_cap(batch, max_batch)?;
        let mut parsed = Parsed::new();
        parse_candidates(candidates, &mut parsed)?;
        let now = crate::limits::window::check_now(now_or_clock(now))?;
        let admitted = self.inner.admit(scope, &parsed, now, batch);
        Ok(admit_answer(admitted, parsed))
    }

    /// An admitted frame given back: a credit to `strategy_name`'s windows
    /// (when not None) and one off the count of `batch` (when not None).
    #[pyo3(signature = (scope, strategy_name, now = None, *, batch = None))]
    fn release(
        &self,
        scope: &str,
        strategy_name: Option<&str>,
        now: Option<f64>,
        batch: Option<&str>,
    ) -> PyResult<()> {
        let now = crate::limits::window::check_now(now_or_clock(now))?;
        self.inner.release(scope, strategy_name, now, batch);
        Ok(())
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMemoryLimiter>()?;
    m.add_class::<redis::PyRedisLimiter>()?;
    Ok(())
}
