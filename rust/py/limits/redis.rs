//! `RedisLimiter`: limits (and the near-duplicate hashes of
//! `crate::dedup::shared`) shared through Redis; every call runs detached.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;

use super::candidates::{parse_candidates, Parsed};
use super::{admit_answer, batch_cap, emit, AdmitAnswer};
use crate::dedup::shared::{self, HashCheck};
use crate::limits::{RedisLimiter, RedisOptions};
use crate::py::convert::now_or_clock;

/// Rate limiter shared through Redis by every process (and machine) using
/// the same server: one round trip per decision, never overshooting.
#[pyclass(frozen, module = "framesieve", name = "RedisLimiter")]
pub struct PyRedisLimiter {
    inner: RedisLimiter,
}

#[pymethods]
impl PyRedisLimiter {
    #[new]
    #[pyo3(signature = (url, *, strict = false, cluster = false, tls_ca_cert = None, connect_timeout = 1.0, timeout = 1.0, retry_interval = 1.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        url: &str,
        strict: bool,
        cluster: bool,
        tls_ca_cert: Option<PathBuf>,
        connect_timeout: f64,
        timeout: f64,
        retry_interval: f64,
    ) -> PyResult<Self> {
        let options = RedisOptions {
            strict,
            connect_timeout: RedisOptions::seconds("connect_timeout", connect_timeout)?,
            timeout: RedisOptions::seconds("timeout", timeout)?,
            retry_interval: RedisOptions::seconds("retry_interval", retry_interval)?,
            tls_ca_cert,
            cluster,
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

    /// A kept frame's admission in one round trip: no near-duplicate of
    /// `frame_hash` among the hashes of `source` shared in Redis (when given,
    /// with `dedup` = `(max_hamming, window_seconds, max_entries)`), room in
    /// `batch` (at most `max_batch` images) and a credit of the first
    /// candidate with one, checked and taken by one script; an admitted
    /// frame's hash joins the shared set. Returns `(strategy, None)`, or
    /// `(None, "limited" | "batch_full" | "near_duplicate")`.
    #[pyo3(signature = (scope, candidates, now = None, *, batch = None, max_batch = None, frame_hash = None, dedup = None, source = None))]
    #[allow(clippy::too_many_arguments)]
    fn admit(
        &self,
        py: Python<'_>,
        scope: &str,
        candidates: &Bound<'_, PyAny>,
        now: Option<f64>,
        batch: Option<&str>,
        max_batch: Option<i64>,
        frame_hash: Option<u64>,
        dedup: Option<(u32, f64, u64)>,
        source: Option<&str>,
    ) -> PyResult<AdmitAnswer> {
        let batch = batch_cap(batch, max_batch)?;
        let hash = match (frame_hash, dedup) {
            (Some(hash), Some((max_hamming, window, max_entries))) => Some(HashCheck::new(
                scope,
                source,
                hash,
                max_hamming,
                window,
                max_entries,
            )?),
            (None, None) if source.is_none() => None,
            _ => {
                return Err(crate::py::errors::invalid_input(
                    "admit: frame_hash and dedup go together (the frame's hash and \
                     (max_hamming, window_seconds, max_entries)), and source goes with them",
                ))
            }
        };
        let mut parsed = Parsed::new();
        parse_candidates(candidates, &mut parsed)?;
        let now = now_or_clock(now);
        let (admitted, notice) =
            py.detach(|| self.inner.admit(scope, &parsed, now, batch, hash.as_ref()))?;
        emit(py, notice)?;
        Ok(admit_answer(admitted, parsed))
    }

    /// An admitted frame given back in one round trip: a credit to
    /// `strategy_name`'s windows (when not None), one off the count of
    /// `batch` (when not None), and `frame_hash` forgotten from the shared
    /// hashes of `source` (when not None: the frame was not collected).
    #[pyo3(signature = (scope, strategy_name, now = None, *, batch = None, frame_hash = None, source = None))]
    #[allow(clippy::too_many_arguments)]
    fn release(
        &self,
        py: Python<'_>,
        scope: &str,
        strategy_name: Option<&str>,
        now: Option<f64>,
        batch: Option<&str>,
        frame_hash: Option<u64>,
        source: Option<&str>,
    ) -> PyResult<()> {
        let forget = frame_hash.map(|hash| shared::shared_hash(scope, source, hash));
        let now = now_or_clock(now);
        let notice = py.detach(|| {
            self.inner.release(
                scope,
                strategy_name,
                now,
                batch,
                forget
                    .as_ref()
                    .map(|(key, member)| (key.as_str(), &member[..])),
            )
        })?;
        emit(py, notice)
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
    /// in `scope` (among the frames of `source`, when given) during the `window_seconds` before `now`, by any process
    /// sharing this Redis (one round trip). `None` when Redis cannot be
    /// reached and the limiter falls back: decide locally then.
    #[pyo3(signature = (scope, hash, max_hamming, window_seconds, now = None, *, source = None))]
    #[allow(clippy::too_many_arguments)]
    fn near_duplicate(
        &self,
        py: Python<'_>,
        scope: &str,
        hash: u64,
        max_hamming: u32,
        window_seconds: f64,
        now: Option<f64>,
        source: Option<&str>,
    ) -> PyResult<Option<bool>> {
        let now = now_or_clock(now);
        let (found, notice) = py.detach(|| {
            shared::near_duplicate(
                &self.inner,
                scope,
                source,
                hash,
                now,
                window_seconds,
                max_hamming,
            )
        })?;
        emit(py, notice)?;
        Ok(found)
    }

    /// Remembers the frame hash `hash` in `scope` at `now` for
    /// `window_seconds`; the set keeps the newest `max_entries` hashes.
    #[pyo3(signature = (scope, hash, window_seconds, max_entries, now = None, *, source = None))]
    #[allow(clippy::too_many_arguments)]
    fn remember_hash(
        &self,
        py: Python<'_>,
        scope: &str,
        hash: u64,
        window_seconds: f64,
        max_entries: u64,
        now: Option<f64>,
        source: Option<&str>,
    ) -> PyResult<()> {
        let now = now_or_clock(now);
        let notice = py.detach(|| {
            shared::remember_hash(
                &self.inner,
                scope,
                source,
                hash,
                now,
                window_seconds,
                max_entries,
            )
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

    /// Whether the URL is a seed node of a Redis Cluster.
    #[getter]
    fn cluster(&self) -> bool {
        self.inner.options().cluster
    }

    fn __repr__(&self) -> String {
        let python_bool = |value: bool| if value { "True" } else { "False" };
        let options = self.inner.options();
        let cluster = if options.cluster {
            ", cluster=True"
        } else {
            ""
        };
        format!(
            "RedisLimiter({:?}, strict={}{cluster})",
            self.inner.display_url(),
            python_bool(options.strict),
        )
    }
}
