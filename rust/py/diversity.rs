//! PyO3 wrapper of the `diversity` core: `DiversityFilter`, the kept embeddings
//! of one source. The embedding is read while attached (any 1-D float array,
//! or a sequence of numbers); scans over a large kept set run detached, with
//! the lock taken inside, so no thread ever waits for the GIL holding it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use super::convert::{dtype_name, expected, int_arg, now_or_clock, number_arg};
use super::errors::{invalid_input, invalid_type};
use crate::diversity::{unit_vector, Diversity, DiversitySettings, Mode, DEFAULT_MAX_KEPT};

/// Floats scanned (kept vectors x dimension) from which a call releases the GIL:
/// below, a scan takes a few microseconds, about what detaching costs.
const DETACH_WORK: usize = 32 * 1024;

/// The values of a 1-D float32 / float64 array, any strides.
fn array_values(array: &Bound<'_, PyUntypedArray>) -> PyResult<Option<Vec<f64>>> {
    if let Ok(a) = array.cast::<PyArray1<f32>>() {
        let ro = a.try_readonly()?;
        return Ok(Some(ro.as_array().iter().map(|&v| f64::from(v)).collect()));
    }
    if let Ok(a) = array.cast::<PyArray1<f64>>() {
        let ro = a.try_readonly()?;
        return Ok(Some(ro.as_array().to_vec()));
    }
    Ok(None)
}

/// `embedding` as doubles: a 1-D numpy array of a real dtype (float32 and
/// float64 read in place), or anything `numpy.asarray` makes a 1-D array of
/// numbers (a list, a tuple, a CPU tensor).
fn embedding_values(embedding: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let what = "a 1-D float array or a sequence of numbers";
    if embedding.is_none()
        || embedding.is_instance_of::<PyString>()
        || embedding.is_instance_of::<PyBytes>()
    {
        return Err(expected("embedding", what, embedding));
    }
    let array = match embedding.cast::<PyUntypedArray>() {
        Ok(array) => array.clone(),
        Err(_) => {
            let numpy = embedding.py().import("numpy")?;
            let converted = numpy
                .call_method1("asarray", (embedding, "float64"))
                .map_err(|_| expected("embedding", what, embedding))?;
            converted
                .cast_into::<PyUntypedArray>()
                .map_err(|_| expected("embedding", what, embedding))?
        }
    };
    if array.ndim() != 1 {
        let shape: Vec<String> = array.shape().iter().map(|n| n.to_string()).collect();
        return Err(invalid_input(format!(
            "embedding: expected a 1-D array, got shape ({})",
            shape.join(", ")
        )));
    }
    if let Some(values) = array_values(&array)? {
        return Ok(values);
    }
    // Other real dtypes (float16, integers): converted once; bool, complex, str, object are refused.
    match array.dtype().kind() {
        b'f' | b'i' | b'u' => {
            let converted = array.call_method1("astype", ("float64",))?;
            let converted = converted.cast::<PyUntypedArray>()?;
            Ok(array_values(converted)?.unwrap_or_default())
        }
        _ => Err(invalid_type(format!(
            "embedding: expected a float or integer dtype, got dtype {}",
            dtype_name(&array)
        ))),
    }
}

/// The unit vector of `embedding` (errors name it).
fn unit_of(embedding: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    Ok(unit_vector(&embedding_values(embedding)?)?)
}

fn optional_number(value: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<f64>> {
    match value {
        Some(v) if !v.is_none() => Ok(Some(number_arg(v, name)?)),
        _ => Ok(None),
    }
}

/// The embeddings of recently kept frames of one source: a new frame is novel
/// when its cosine distance to every one of them (within `window_seconds`)
/// exceeds `min_cosine_distance`, or a threshold adapted so that `target_share`
/// of the frames checked is kept. At most `max_kept` embeddings (the oldest is
/// dropped); thread-safe.
#[pyclass(frozen, module = "framesieve._core")]
struct DiversityFilter {
    inner: Mutex<Diversity>,
    /// Floats one scan reads now (kept vectors x dimension), to decide on detaching.
    work: AtomicUsize,
}

impl DiversityFilter {
    fn lock(&self) -> MutexGuard<'_, Diversity> {
        // Plain data, consistent between calls: a panic elsewhere leaves nothing half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the state, detached from the GIL when the scan is large.
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Diversity) -> T + Send) -> T {
        let run = || {
            let mut state = self.lock();
            let out = f(&mut state);
            let kept = state.kept();
            self.work
                .store(kept.len() * kept.dim().unwrap_or(0), Ordering::Relaxed);
            out
        };
        if self.work.load(Ordering::Relaxed) >= DETACH_WORK {
            py.detach(run)
        } else {
            run()
        }
    }
}

#[pymethods]
impl DiversityFilter {
    #[new]
    #[pyo3(signature = (min_cosine_distance = None, *, target_share = None, window_seconds = None, max_kept = None))]
    fn new(
        min_cosine_distance: Option<&Bound<'_, PyAny>>,
        target_share: Option<&Bound<'_, PyAny>>,
        window_seconds: Option<&Bound<'_, PyAny>>,
        max_kept: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let max_kept = match max_kept {
            Some(v) if !v.is_none() => int_arg(v, "max_kept")?,
            _ => DEFAULT_MAX_KEPT as i64,
        };
        let settings = DiversitySettings::new(
            optional_number(min_cosine_distance, "min_cosine_distance")?,
            optional_number(target_share, "target_share")?,
            optional_number(window_seconds, "window_seconds")?,
            max_kept,
        )?;
        Ok(DiversityFilter {
            inner: Mutex::new(Diversity::new(settings)),
            work: AtomicUsize::new(0),
        })
    }

    /// Whether `embedding` is novel at `now` (UNIX or video seconds; default:
    /// the clock). With `target_share`, each call adapts the threshold.
    #[pyo3(signature = (embedding, now = None))]
    fn check(
        &self,
        py: Python<'_>,
        embedding: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<bool> {
        let unit = unit_of(embedding)?;
        let now = now_or_clock(now);
        Ok(self.with(py, |d| d.check(&unit, now))?)
    }

    /// The smallest cosine distance from `embedding` to a kept one within the window, or None.
    #[pyo3(signature = (embedding, now = None))]
    fn nearest(
        &self,
        py: Python<'_>,
        embedding: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<Option<f64>> {
        let unit = unit_of(embedding)?;
        let now = now_or_clock(now);
        Ok(self.with(py, |d| d.nearest(&unit, now))?)
    }

    /// Remembers `embedding` as kept at `now` (the oldest is dropped beyond `max_kept`).
    #[pyo3(signature = (embedding, now = None))]
    fn add(&self, py: Python<'_>, embedding: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<()> {
        let unit = unit_of(embedding)?;
        let now = now_or_clock(now);
        Ok(self.with(py, |d| d.add(&unit, now))?)
    }

    /// `check`, then `add` when novel, atomically; returns `check`'s answer.
    #[pyo3(signature = (embedding, now = None))]
    fn offer(
        &self,
        py: Python<'_>,
        embedding: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<bool> {
        let unit = unit_of(embedding)?;
        let now = now_or_clock(now);
        Ok(self.with(py, |d| d.offer(&unit, now))?)
    }

    /// Forgets every kept embedding, the dimension and the adapted threshold.
    fn clear(&self) {
        self.lock().clear();
        self.work.store(0, Ordering::Relaxed);
    }

    fn __len__(&self) -> usize {
        self.lock().kept().len()
    }

    /// The dimension of this filter's embeddings (fixed by the first one), or None.
    #[getter]
    fn dim(&self) -> Option<usize> {
        self.lock().kept().dim()
    }

    /// The threshold in use: `min_cosine_distance`, or the adapted one
    /// (None until a first distance was measured).
    #[getter]
    fn threshold(&self) -> Option<f64> {
        self.lock().threshold()
    }

    #[getter]
    fn min_cosine_distance(&self) -> Option<f64> {
        match self.lock().settings().mode {
            Mode::MinDistance(d) => Some(d),
            Mode::TargetShare(_) => None,
        }
    }

    #[getter]
    fn target_share(&self) -> Option<f64> {
        match self.lock().settings().mode {
            Mode::TargetShare(s) => Some(s),
            Mode::MinDistance(_) => None,
        }
    }

    /// None: no time window (only `max_kept` bounds the memory).
    #[getter]
    fn window_seconds(&self) -> Option<f64> {
        let w = self.lock().settings().window_seconds;
        w.is_finite().then_some(w)
    }

    #[getter]
    fn max_kept(&self) -> usize {
        self.lock().settings().max_kept
    }

    fn __repr__(&self) -> String {
        let d = self.lock();
        let s = d.settings();
        let mode = match s.mode {
            Mode::MinDistance(v) => format!("min_cosine_distance={v:?}"),
            Mode::TargetShare(v) => format!("target_share={v:?}"),
        };
        let window = if s.window_seconds.is_finite() {
            format!("{:?}", s.window_seconds)
        } else {
            "None".to_owned()
        };
        format!(
            "DiversityFilter({mode}, window_seconds={window}, max_kept={}, len={})",
            s.max_kept,
            d.kept().len()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DiversityFilter>()?;
    Ok(())
}
