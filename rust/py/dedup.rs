//! PyO3 wrappers of the `dedup` core: the dHash of a numpy frame (any strides,
//! GIL released while hashing), hamming distance, and `NearDuplicateFilter`.

use std::sync::{Mutex, MutexGuard};

use numpy::ndarray::{Array2, ArrayView3, Axis, Ix3};
use numpy::{
    IntoPyArray, PyArray2, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;

use super::convert::{dtype_name, expected, int_arg, is_int, now_or_clock, number_arg};
use super::errors::{invalid_input, invalid_type};
use crate::dedup::frame::check_shape;
use crate::dedup::{
    dhash, hamming as hamming_bits, thumbnail, ChannelOrder, DedupSettings, FrameView, PackedFrame,
    RecentHashes, DEFAULT_MAX_ENTRIES, HASH_HEIGHT, HASH_WIDTH,
};

/// A numpy view of any strides, as HxWxC (a gray HxW view gets C = 1).
struct StridedFrame<'a> {
    view: ArrayView3<'a, u8>,
}

impl FrameView for StridedFrame<'_> {
    fn height(&self) -> usize {
        self.view.shape()[0]
    }
    fn width(&self) -> usize {
        self.view.shape()[1]
    }
    fn channels(&self) -> usize {
        self.view.shape()[2]
    }
    #[inline]
    fn pixel(&self, y: usize, x: usize, c: usize) -> u8 {
        self.view[[y, x, c]]
    }
}

/// A frame read in place: a plain slice when C-contiguous, else a strided view.
enum AnyFrame<'a> {
    Packed(PackedFrame<'a>),
    Strided(StridedFrame<'a>),
}

/// Checks `image` (dtype, dimensions, channels, non-empty) and borrows it read-only.
fn borrow_image<'py>(image: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArrayDyn<'py, u8>> {
    let array = image
        .cast::<PyUntypedArray>()
        .map_err(|_| expected("image", "a numpy uint8 array (HxW, HxWx3 or HxWx4)", image))?;
    if !array.dtype().is_equiv_to(&numpy::dtype::<u8>(image.py())) {
        return Err(invalid_type(format!(
            "image: expected dtype uint8, got {}",
            dtype_name(array)
        )));
    }
    let shape = array.shape();
    let channels = match shape.len() {
        2 => 1,
        3 => shape[2],
        n => {
            return Err(invalid_input(format!(
                "image: expected HxW, HxWx3 or HxWx4, got {n} dimensions {shape:?}"
            )))
        }
    };
    check_shape(shape[0], shape[1], channels)?;
    Ok(image.cast::<PyArrayDyn<u8>>()?.try_readonly()?)
}

fn frame_of<'a>(readonly: &'a PyReadonlyArrayDyn<'_, u8>) -> PyResult<AnyFrame<'a>> {
    let view = readonly.as_array();
    let view = if view.ndim() == 2 {
        view.insert_axis(Axis(2))
    } else {
        view
    };
    let view = view
        .into_dimensionality::<Ix3>()
        .map_err(|e| invalid_input(format!("image: {e}")))?;
    let (h, w, c) = view.dim();
    Ok(match view.to_slice() {
        Some(data) => AnyFrame::Packed(PackedFrame::new(data, h, w, c)?),
        None => AnyFrame::Strided(StridedFrame { view }),
    })
}

fn channel_order(name: &str) -> PyResult<ChannelOrder> {
    Ok(ChannelOrder::parse(name)?)
}

/// The 64-bit dHash of a uint8 frame (HxW gray, HxWx3 or HxWx4; any strides).
#[pyfunction]
#[pyo3(signature = (image, channel_order = "bgr"))]
fn image_hash(image: &Bound<'_, PyAny>, channel_order: &str) -> PyResult<u64> {
    let order = self::channel_order(channel_order)?;
    let readonly = borrow_image(image)?;
    let frame = frame_of(&readonly)?;
    let hash = image.py().detach(|| match &frame {
        AnyFrame::Packed(f) => dhash(f, order),
        AnyFrame::Strided(f) => dhash(f, order),
    })?;
    Ok(hash)
}

/// The 8x9 uint16 gray thumbnail the dHash compares (for tests and inspection).
#[pyfunction]
#[pyo3(signature = (image, channel_order = "bgr"))]
fn hash_thumbnail<'py>(
    image: &Bound<'py, PyAny>,
    channel_order: &str,
) -> PyResult<Bound<'py, PyArray2<u16>>> {
    let order = self::channel_order(channel_order)?;
    let readonly = borrow_image(image)?;
    let frame = frame_of(&readonly)?;
    let thumb = match &frame {
        AnyFrame::Packed(f) => thumbnail(f, order),
        AnyFrame::Strided(f) => thumbnail(f, order),
    }?;
    let array = Array2::from_shape_vec((HASH_HEIGHT, HASH_WIDTH), thumb)
        .map_err(|e| invalid_input(format!("thumbnail: {e}")))?;
    Ok(array.into_pyarray(image.py()))
}

/// A 64-bit hash argument: an int in [0, 2**64).
fn hash_arg(value: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    if !is_int(value) {
        return Err(expected(name, "an int", value));
    }
    value.extract::<u64>().map_err(|_| {
        invalid_input(format!(
            "{name}: must be a 64-bit hash, an int in [0, 2**64), got {value}"
        ))
    })
}

/// Number of bits that differ between two 64-bit hashes.
#[pyfunction]
fn hamming(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<u32> {
    Ok(hamming_bits(hash_arg(a, "a")?, hash_arg(b, "b")?))
}

/// Remembers the hashes of recently collected frames; a new hash within
/// `max_hamming` bits of one at most `window_seconds` away is a near-duplicate.
/// Bounded to `max_entries` hashes; thread-safe (one short lock per call).
#[pyclass(frozen, module = "framesieve._core")]
struct NearDuplicateFilter {
    inner: Mutex<RecentHashes>,
}

impl NearDuplicateFilter {
    fn lock(&self) -> MutexGuard<'_, RecentHashes> {
        // The index holds plain data, always consistent between calls: a
        // panic elsewhere while it was held leaves nothing half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl NearDuplicateFilter {
    #[new]
    #[pyo3(signature = (max_hamming, window_seconds, max_entries = None))]
    fn new(
        max_hamming: &Bound<'_, PyAny>,
        window_seconds: &Bound<'_, PyAny>,
        max_entries: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let max_hamming = int_arg(max_hamming, "max_hamming")?;
        let max_entries = match max_entries {
            Some(v) if !v.is_none() => int_arg(v, "max_entries")?,
            _ => DEFAULT_MAX_ENTRIES as i64,
        };
        let window_seconds = number_arg(window_seconds, "window_seconds")?;
        let settings = DedupSettings::new(max_hamming, window_seconds, max_entries)?;
        Ok(NearDuplicateFilter {
            inner: Mutex::new(RecentHashes::new(settings)),
        })
    }

    /// Whether `hash` is within `max_hamming` bits of a remembered hash at most
    /// `window_seconds` from `now` (UNIX or video seconds; default: the clock).
    #[pyo3(signature = (hash, now = None))]
    fn check(&self, hash: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<bool> {
        let hash = hash_arg(hash, "hash")?;
        Ok(self.lock().check(hash, now_or_clock(now))?)
    }

    /// The smallest distance to a matching remembered hash, or None.
    #[pyo3(signature = (hash, now = None))]
    fn nearest(&self, hash: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<Option<u32>> {
        let hash = hash_arg(hash, "hash")?;
        Ok(self.lock().nearest(hash, now_or_clock(now))?)
    }

    /// Remembers `hash` at `now` (evicting expired entries and, when full, the oldest).
    #[pyo3(signature = (hash, now = None))]
    fn add(&self, hash: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<()> {
        let hash = hash_arg(hash, "hash")?;
        Ok(self.lock().add(hash, now_or_clock(now))?)
    }

    /// `check`, then `add` when it is not a near-duplicate, atomically; returns `check`'s answer.
    #[pyo3(signature = (hash, now = None))]
    fn seen_or_add(&self, hash: &Bound<'_, PyAny>, now: Option<f64>) -> PyResult<bool> {
        let hash = hash_arg(hash, "hash")?;
        Ok(self.lock().seen_or_add(hash, now_or_clock(now))?)
    }

    /// Forgets every hash.
    fn clear(&self) {
        self.lock().clear();
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }

    #[getter]
    fn max_hamming(&self) -> u32 {
        self.lock().max_hamming()
    }

    #[getter]
    fn window_seconds(&self) -> f64 {
        self.lock().window_seconds()
    }

    #[getter]
    fn max_entries(&self) -> usize {
        self.lock().max_entries()
    }

    fn __repr__(&self) -> String {
        let r = self.lock();
        format!(
            "NearDuplicateFilter(max_hamming={}, window_seconds={:?}, max_entries={}, len={})",
            r.max_hamming(),
            r.window_seconds(),
            r.max_entries(),
            r.len()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(image_hash, m)?)?;
    m.add_function(wrap_pyfunction!(hash_thumbnail, m)?)?;
    m.add_function(wrap_pyfunction!(hamming, m)?)?;
    m.add_class::<NearDuplicateFilter>()?;
    Ok(())
}
