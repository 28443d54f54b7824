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
use crate::limits::{MemoryLimiter, Notice};
use crate::py::convert::now_or_clock;

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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMemoryLimiter>()?;
    m.add_class::<redis::PyRedisLimiter>()?;
    Ok(())
}
