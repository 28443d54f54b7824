//! PyO3 wrappers of the `sampling` core: read the config's strategy dicts and
//! each prediction (dicts through interned keys, arrays through numpy views),
//! hand plain `(confidence, class index)` data to the core, map its errors.

use std::borrow::Cow;
use std::collections::HashSet;

use numpy::ndarray::ArrayView1;
use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray,
    PyUntypedArrayMethods,
};
use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

use super::errors::{invalid_input, invalid_type};
use crate::sampling::classification::{Label, MultiClass};
use crate::sampling::set::StrategySet;
use crate::sampling::strategy::{ClassTable, StrategySpec, TaskType, KNOWN_TYPES};
use crate::sampling::{Sampler, SamplingError};

/// Arrays at least this long are evaluated with the GIL released: below it,
/// releasing and re-taking the GIL costs more than the loop itself.
const DETACH_MIN_LEN: usize = 4096;

/// Predictions up to this many objects are read into a stack buffer.
const STACK_OBJECTS: usize = 64;

impl From<SamplingError> for PyErr {
    fn from(err: SamplingError) -> PyErr {
        match err {
            SamplingError::InvalidInput(m) => invalid_input(m),
            SamplingError::InvalidType(m) => invalid_type(m),
        }
    }
}

/// `type(value).__name__`, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

fn expected(path: &str, what: &str, got: &Bound<'_, PyAny>) -> PyErr {
    invalid_type(format!("{path}: expected {what}, got {}", type_name(got)))
}

/// A JSON number: a float, or an int that is not a bool, as a double.
#[inline]
fn number(value: &Bound<'_, PyAny>, path: impl FnOnce() -> String) -> PyResult<f64> {
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(f.value());
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        return value
            .extract::<f64>()
            .map_err(|_| invalid_input(format!("{}: int too large to convert to float", path())));
    }
    Err(expected(&path(), "a number", value))
}

/// `mapping[key]`, or `InvalidInputError("{owner}: missing 'key'")`.
#[inline]
fn required<'py>(
    mapping: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
    owner: impl FnOnce() -> String,
) -> PyResult<Bound<'py, PyAny>> {
    match mapping.get_item(key)? {
        Some(v) => Ok(v),
        None => Err(invalid_input(format!(
            "{}: missing '{}'",
            owner(),
            key.to_string_lossy()
        ))),
    }
}

// ---------------------------------------------------------------- config --

fn optional<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

fn opt_number(d: &Bound<'_, PyDict>, key: &str, at: &str) -> PyResult<Option<f64>> {
    optional(d, key)?
        .map(|v| number(&v, || format!("{at}.{key}")))
        .transpose()
}

fn opt_int(d: &Bound<'_, PyDict>, key: &str, at: &str) -> PyResult<Option<i64>> {
    let Some(v) = optional(d, key)? else {
        return Ok(None);
    };
    let path = format!("{at}.{key}");
    if let Ok(f) = v.cast::<PyFloat>() {
        // JSON writes 1 and 1.0 alike; 1.5 is not an int.
        let x = f.value();
        if x.fract() == 0.0 && x.abs() < 9.0e18 {
            return Ok(Some(x as i64));
        }
        return Err(invalid_input(format!("{path}: must be an int, got {x}")));
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return v
            .extract::<i64>()
            .map(Some)
            .map_err(|_| invalid_input(format!("{path}: int out of range")));
    }
    Err(expected(&path, "an int", &v))
}

fn opt_bool(d: &Bound<'_, PyDict>, key: &str, at: &str) -> PyResult<Option<bool>> {
    let Some(v) = optional(d, key)? else {
        return Ok(None);
    };
    match v.cast::<PyBool>() {
        Ok(b) => Ok(Some(b.is_true())),
        Err(_) => Err(expected(&format!("{at}.{key}"), "a bool", &v)),
    }
}

fn str_list(value: &Bound<'_, PyAny>, path: &str) -> PyResult<Vec<String>> {
    let list = value
        .cast::<PyList>()
        .map_err(|_| expected(path, "a list of str", value))?;
    let mut out = Vec::with_capacity(list.len());
    for (j, item) in list.iter().enumerate() {
        let s = item
            .cast::<PyString>()
            .map_err(|_| expected(&format!("{path}[{j}]"), "a str", &item))?;
        out.push(s.to_str()?.to_owned());
    }
    Ok(out)
}

fn opt_str(d: &Bound<'_, PyDict>, key: &str, at: &str) -> PyResult<Option<String>> {
    let Some(v) = optional(d, key)? else {
        return Ok(None);
    };
    let s = v
        .cast::<PyString>()
        .map_err(|_| expected(&format!("{at}.{key}"), "a str", &v))?;
    Ok(Some(s.to_str()?.to_owned()))
}

fn required_str(d: &Bound<'_, PyDict>, key: &str, at: &str) -> PyResult<String> {
    let Some(v) = optional(d, key)? else {
        return Err(invalid_input(format!("{at}.{key}: missing")));
    };
    let s = v
        .cast::<PyString>()
        .map_err(|_| expected(&format!("{at}.{key}"), "a str", &v))?;
    Ok(s.to_str()?.to_owned())
}

/// The config dict's `enabled` flag and its strategies of known types (with
/// their positions in `sampling_strategies`, for error paths).
fn parse_config(config: &Bound<'_, PyAny>) -> PyResult<(bool, Vec<(usize, StrategySpec)>)> {
    let config = config
        .cast::<PyDict>()
        .map_err(|_| expected("config", "a dict or an object with to_dict()", config))?;
    let enabled = match config.get_item("enabled")? {
        None => return Err(invalid_input("enabled: missing")),
        Some(v) => match v.cast::<PyBool>() {
            Ok(b) => b.is_true(),
            Err(_) => return Err(expected("enabled", "a bool", &v)),
        },
    };
    if !enabled {
        return Ok((false, Vec::new()));
    }
    let Some(strategies) = optional(config, "sampling_strategies")? else {
        return Err(invalid_input("sampling_strategies: missing"));
    };
    let strategies = strategies
        .cast::<PyList>()
        .map_err(|_| expected("sampling_strategies", "a list", &strategies))?;
    let mut specs = Vec::with_capacity(strategies.len());
    for (i, item) in strategies.iter().enumerate() {
        let at = format!("sampling_strategies[{i}]");
        let d = item
            .cast::<PyDict>()
            .map_err(|_| expected(&at, "a dict", &item))?;
        let kind = required_str(d, "type", &at)?;
        if !KNOWN_TYPES.contains(&kind.as_str()) {
            continue;
        }
        let selected_class_names = optional(d, "selected_class_names")?
            .map(|v| str_list(&v, &format!("{at}.selected_class_names")))
            .transpose()?;
        specs.push((
            i,
            StrategySpec {
                name: required_str(d, "name", &at)?,
                kind,
                traffic_percentage: opt_number(d, "traffic_percentage", &at)?,
                threshold: opt_number(d, "threshold", &at)?,
                epsilon: opt_number(d, "epsilon", &at)?,
                probability: opt_number(d, "probability", &at)?,
                selected_class_names,
                minimum_objects_close_to_threshold: opt_int(
                    d,
                    "minimum_objects_close_to_threshold",
                    &at,
                )?,
                only_top_classes: opt_bool(d, "only_top_classes", &at)?,
                more_than: opt_int(d, "more_than", &at)?,
                less_than: opt_int(d, "less_than", &at)?,
                measure: opt_str(d, "measure", &at)?,
                min: opt_number(d, "min", &at)?,
                max: opt_number(d, "max", &at)?,
                aggregate: opt_str(d, "aggregate", &at)?,
            },
        ));
    }
    Ok((true, specs))
}

/// `seed` taken modulo 2**64 (negative ints too), or `None`.
fn parse_seed(seed: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    match seed {
        None => Ok(None),
        Some(s) if s.is_none() => Ok(None),
        Some(s) if s.is_instance_of::<PyInt>() && !s.is_instance_of::<PyBool>() => {
            Ok(Some(s.bitand(u64::MAX)?.extract::<u64>()?))
        }
        Some(s) => Err(expected("seed", "an int or None", s)),
    }
}

/// `class_names` (a list of str) mapped to the sampler's class indices: the
/// per-id lookup that keeps string work out of the `class_id` loop.
fn id_table(
    class_names: Option<&Bound<'_, PyAny>>,
    classes: &ClassTable,
) -> PyResult<Option<Vec<u32>>> {
    let Some(names) = class_names.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let list = names
        .cast::<PyList>()
        .map_err(|_| expected("class_names", "a list of str", names))?;
    let mut ids = Vec::with_capacity(list.len());
    for (j, item) in list.iter().enumerate() {
        let s = item
            .cast::<PyString>()
            .map_err(|_| expected(&format!("class_names[{j}]"), "a str", &item))?;
        ids.push(s.to_str().map_or(classes.unknown(), |t| classes.get(t)));
    }
    Ok(Some(ids))
}

// --------------------------------------------------------- class lookups --

/// Class string -> class index, remembering recent str objects by
/// address: class strings usually repeat within a prediction. The cache
/// lives for one call, while the prediction holds the strings alive.
struct ClassLookup<'a> {
    table: &'a ClassTable,
    /// Direct-mapped by address bits; address 0 (no object) marks an empty slot.
    cache: [(usize, u32); 16],
}

impl<'a> ClassLookup<'a> {
    fn new(table: &'a ClassTable) -> Self {
        ClassLookup {
            table,
            cache: [(0, 0); 16],
        }
    }

    #[inline]
    fn index(&mut self, s: &Bound<'_, PyString>) -> u32 {
        // SAFETY: `s` is a live str.
        unsafe { self.index_ptr(s.py(), s.as_ptr()) }
    }

    /// # Safety
    /// `s` must point to a live `str` (or subclass) object, GIL held.
    #[inline]
    unsafe fn index_ptr(&mut self, py: Python<'_>, s: *mut ffi::PyObject) -> u32 {
        let key = s as usize;
        // Small str objects sit in 64-byte allocator slots: bits 6.. tell them apart.
        let slot = (key >> 6) % self.cache.len();
        if self.cache[slot].0 == key {
            return self.cache[slot].1;
        }
        let mut size: ffi::Py_ssize_t = 0;
        let data = ffi::PyUnicode_AsUTF8AndSize(s, &mut size);
        let idx = if data.is_null() {
            // Not encodable (lone surrogates): equals no selected name.
            drop(PyErr::take(py));
            self.table.unknown()
        } else {
            let bytes = std::slice::from_raw_parts(data as *const u8, size as usize);
            // Python guarantees UTF-8 here; the check only keeps this sound.
            std::str::from_utf8(bytes).map_or(self.table.unknown(), |t| self.table.get(t))
        };
        self.cache[slot] = (key, idx);
        idx
    }
}

/// `mapping[key]` as a borrowed pointer, or the missing-key error.
///
/// # Safety
/// `mapping` must be a live dict, GIL held. The result is borrowed: use it
/// before any Python code can run (which could drop it from the dict).
#[inline]
unsafe fn borrowed_item(
    py: Python<'_>,
    mapping: *mut ffi::PyObject,
    key: &Bound<'_, PyString>,
    owner: impl FnOnce() -> String,
) -> PyResult<*mut ffi::PyObject> {
    let value = ffi::PyDict_GetItemWithError(mapping, key.as_ptr());
    if value.is_null() {
        return Err(PyErr::take(py).unwrap_or_else(|| {
            invalid_input(format!("{}: missing '{}'", owner(), key.to_string_lossy()))
        }));
    }
    Ok(value)
}

/// The hot loop of `evaluate` on detections: one object's confidence and
/// class index. Exact types are recognised by pointer and read through
/// borrowed references (no refcount traffic); anything else takes the checked
/// path. No Python code runs between a borrowed read and its use.
#[inline]
fn read_detection(
    py: Python<'_>,
    item: &Bound<'_, PyAny>,
    i: usize,
    keys: (&Bound<'_, PyString>, &Bound<'_, PyString>),
    lookup: Option<&mut ClassLookup<'_>>,
) -> PyResult<(f64, u32)> {
    let d = item.as_ptr();
    // SAFETY: `item` (held strongly by the caller) is live and checked to be a
    // dict before its items are read; every borrowed value is used right away.
    unsafe {
        if ffi::Py_TYPE(d) != addr_of_mut!(ffi::PyDict_Type) && ffi::PyDict_Check(d) == 0 {
            return Err(expected(&format!("predictions[{i}]"), "a dict", item));
        }
        let owner = || format!("predictions[{i}]");
        let c = borrowed_item(py, d, keys.0, owner)?;
        let confidence = if ffi::Py_TYPE(c) == addr_of_mut!(ffi::PyFloat_Type) {
            ffi::PyFloat_AsDouble(c)
        } else {
            number(&Bound::from_borrowed_ptr(py, c), || {
                format!("predictions[{i}].confidence")
            })?
        };
        let k = borrowed_item(py, d, keys.1, owner)?;
        if ffi::Py_TYPE(k) != addr_of_mut!(ffi::PyUnicode_Type) && ffi::PyUnicode_Check(k) == 0 {
            let class = Bound::from_borrowed_ptr(py, k);
            return Err(expected(
                &format!("predictions[{i}].class"),
                "a str",
                &class,
            ));
        }
        let index = match lookup {
            Some(lookup) => lookup.index_ptr(py, k),
            None => 0,
        };
        Ok((confidence, index))
    }
}

// ------------------------------------------------------------- the class --

/// The Rust sampler behind `framesieve.Sampler` (see `python/framesieve/sampler.py`).
#[pyclass(frozen, module = "framesieve._core", name = "Sampler")]
pub struct PySampler {
    core: Sampler,
    /// The strategy names as Python strs, made once: results only take references.
    names: Vec<Py<PyString>>,
    /// `class_names` given at construction, as class indices by id.
    ids: Option<Vec<u32>>,
}

impl PySampler {
    fn result<'py>(&self, py: Python<'py>, matched: &StrategySet) -> PyResult<Bound<'py, PyList>> {
        let kept = self.core.keep(matched);
        if kept.is_empty() {
            return Ok(PyList::empty(py));
        }
        PyList::new(py, kept.iter().map(|i| self.names[i].bind(py)))
    }

    fn detections_dict(
        &self,
        py: Python<'_>,
        prediction: &Bound<'_, PyDict>,
    ) -> PyResult<StrategySet> {
        let predictions = required(prediction, intern!(py, "predictions"), || {
            "prediction".into()
        })?;
        let list = predictions
            .cast::<PyList>()
            .map_err(|_| expected("predictions", "a list", &predictions))?;
        let n = list.len();
        let mut stack = [(0.0f64, 0u32); STACK_OBJECTS];
        let mut heap = Vec::new();
        let objects: &mut [(f64, u32)] = if n <= STACK_OBJECTS {
            &mut stack[..n]
        } else {
            heap.resize(n, (0.0, 0));
            &mut heap
        };
        let needs_classes = self.core.needs_classes(TaskType::Detection);
        let mut lookup = ClassLookup::new(self.core.classes());
        let keys = (intern!(py, "confidence"), intern!(py, "class"));
        for (i, slot) in objects.iter_mut().enumerate() {
            let item = list.get_item(i)?;
            let lookup = if needs_classes {
                Some(&mut lookup)
            } else {
                None
            };
            *slot = read_detection(py, &item, i, keys, lookup)?;
        }
        Ok(self.core.detections(objects.iter().copied()))
    }

    fn multi_class(&self, py: Python<'_>, prediction: &Bound<'_, PyDict>) -> PyResult<StrategySet> {
        let table = self.core.classes();
        let mut lookup = ClassLookup::new(table);
        let top = required(prediction, intern!(py, "top"), || "prediction".into())?;
        let top = top
            .cast::<PyString>()
            .map_err(|_| expected("top", "a str", &top))?;
        let top = lookup.index(top);
        let key_confidence = intern!(py, "confidence");
        let top_confidence = number(
            &required(prediction, key_confidence, || "prediction".into())?,
            || "confidence".into(),
        )?;
        let predictions = required(prediction, intern!(py, "predictions"), || {
            "prediction".into()
        })?;
        let list = predictions
            .cast::<PyList>()
            .map_err(|_| expected("predictions", "a list", &predictions))?;
        let key_class = intern!(py, "class");
        let mut classes = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let object = item
                .cast::<PyDict>()
                .map_err(|_| expected(&format!("predictions[{i}]"), "a dict", &item))?;
            let owner = || format!("predictions[{i}]");
            let confidence = number(&required(object, key_confidence, owner)?, || {
                format!("predictions[{i}].confidence")
            })?;
            let class = required(object, key_class, owner)?;
            let class = class
                .cast::<PyString>()
                .map_err(|_| expected(&format!("predictions[{i}].class"), "a str", &class))?;
            classes.push((confidence, lookup.index(class)));
        }
        Ok(self.core.multi_class(MultiClass {
            top,
            top_confidence,
            classes: &classes,
        }))
    }

    fn multi_label(&self, py: Python<'_>, prediction: &Bound<'_, PyDict>) -> PyResult<StrategySet> {
        let table = self.core.classes();
        let predictions = required(prediction, intern!(py, "predictions"), || {
            "prediction".into()
        })?;
        let mapping = predictions
            .cast::<PyDict>()
            .map_err(|_| expected("predictions", "a dict", &predictions))?;
        let key_confidence = intern!(py, "confidence");
        // (confidence, class index, the key) per entry; membership in
        // `predicted_classes` is known only once that list is read.
        let mut entries = Vec::with_capacity(mapping.len());
        for (key, value) in mapping.iter() {
            let key = key
                .cast_into::<PyString>()
                .map_err(|e| expected("predictions", "str keys", e.into_inner().as_any()))?;
            let at = || -> String {
                let repr = key.repr().map(|r| r.to_string()).unwrap_or_default();
                format!("predictions[{repr}]")
            };
            let object = value
                .cast::<PyDict>()
                .map_err(|_| expected(&at(), "a dict", &value))?;
            let confidence = number(&required(object, key_confidence, at)?, || {
                format!("{}.confidence", at())
            })?;
            let class = key.to_str().map_or(table.unknown(), |t| table.get(t));
            entries.push((confidence, class, key));
        }
        let predicted = required(prediction, intern!(py, "predicted_classes"), || {
            "prediction".into()
        })?;
        let predicted = predicted
            .cast::<PyList>()
            .map_err(|_| expected("predicted_classes", "a list", &predicted))?;
        let mut names: HashSet<Cow<'_, str>> = HashSet::with_capacity(predicted.len());
        let items: Vec<Bound<'_, PyAny>> = predicted.iter().collect();
        for (j, item) in items.iter().enumerate() {
            let s = item
                .cast::<PyString>()
                .map_err(|_| expected(&format!("predicted_classes[{j}]"), "a str", item))?;
            names.insert(s.to_string_lossy());
        }
        let labels: Vec<Label> = entries
            .iter()
            .map(|(confidence, class, key)| Label {
                confidence: *confidence,
                class: *class,
                predicted: names.contains(&key.to_string_lossy()),
            })
            .collect();
        Ok(self.core.multi_label(&labels))
    }
}

/// Which dtype the `confidence` array holds.
enum Confidence<'py> {
    F32(Bound<'py, PyArray1<f32>>),
    F64(Bound<'py, PyArray1<f64>>),
}

/// rust-numpy's shared-borrow flag on an array, held while the GIL is released.
#[allow(dead_code)] // held for its Drop only
enum Guard<'py> {
    F32(PyReadonlyArray1<'py, f32>),
    F64(PyReadonlyArray1<'py, f64>),
    I8(PyReadonlyArray1<'py, i8>),
    I16(PyReadonlyArray1<'py, i16>),
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
    U8(PyReadonlyArray1<'py, u8>),
    U16(PyReadonlyArray1<'py, u16>),
    U32(PyReadonlyArray1<'py, u32>),
    U64(PyReadonlyArray1<'py, u64>),
}

fn borrowed(name: &str) -> impl FnOnce(numpy::BorrowError) -> PyErr + '_ {
    move |_| invalid_input(format!("{name}: the array is mutably borrowed elsewhere"))
}

/// A borrowed view of the `confidence` values (`Send`: used with the GIL released).
#[derive(Clone, Copy)]
enum ConfView<'a> {
    F32(ArrayView1<'a, f32>),
    F64(ArrayView1<'a, f64>),
}

// Views without rust-numpy's borrow flags (they cost more than evaluating a
// 100-object frame): the GIL is held and no Python code runs while a view is
// read, unless the evaluation detaches, and then a `Guard` is held for it.
impl<'py> Confidence<'py> {
    fn view(&self) -> ConfView<'_> {
        // SAFETY: see above; the arrays are 1-D views of live numpy buffers.
        unsafe {
            match self {
                Confidence::F32(a) => ConfView::F32(a.as_array()),
                Confidence::F64(a) => ConfView::F64(a.as_array()),
            }
        }
    }

    fn guard(&self) -> PyResult<Guard<'py>> {
        let err = borrowed("confidence");
        match self {
            Confidence::F32(a) => a.try_readonly().map(Guard::F32).map_err(err),
            Confidence::F64(a) => a.try_readonly().map(Guard::F64).map_err(err),
        }
    }
}

fn confidence_array<'py>(value: &Bound<'py, PyAny>) -> PyResult<Confidence<'py>> {
    let what = "a 1-D float32 or float64 numpy array";
    let array = value
        .cast::<PyUntypedArray>()
        .map_err(|_| expected("confidence", what, value))?;
    if array.ndim() != 1 {
        return Err(invalid_input(format!(
            "confidence: expected a 1-D array, got {} dimensions",
            array.ndim()
        )));
    }
    if let Ok(a) = value.cast::<PyArray1<f32>>() {
        return Ok(Confidence::F32(a.clone()));
    }
    if let Ok(a) = value.cast::<PyArray1<f64>>() {
        return Ok(Confidence::F64(a.clone()));
    }
    Err(invalid_type(format!(
        "confidence: expected {what}, got dtype {}",
        dtype_name(array)
    )))
}

fn dtype_name(array: &Bound<'_, PyUntypedArray>) -> String {
    array
        .dtype()
        .str()
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn check_1d(name: &str, array: &Bound<'_, PyUntypedArray>) -> PyResult<()> {
    if array.ndim() != 1 {
        return Err(invalid_input(format!(
            "{name}: expected a 1-D array, got {} dimensions",
            array.ndim()
        )));
    }
    Ok(())
}

fn check_len(name: &str, len: usize, n: usize) -> PyResult<()> {
    if len != n {
        return Err(invalid_input(format!(
            "{name}: length {len} differs from confidence's length {n}"
        )));
    }
    Ok(())
}

/// Class indices of a numpy `U` array, read from its buffer (UCS-4 code
/// units, NUL-padded) without creating a Python str per element.
fn unicode_classes(array: &Bound<'_, PyUntypedArray>, table: &ClassTable) -> Vec<u32> {
    let n = array.len();
    let dtype = array.dtype();
    let width = dtype.itemsize() / 4;
    let swap = dtype.is_native_byteorder() == Some(false);
    // SAFETY: a 1-D array of `n` items of `itemsize` bytes at `data + i * stride`;
    // the GIL is held, so no Python code resizes it while we read.
    let (data, stride) = unsafe {
        let raw = &*array.as_array_ptr();
        (raw.fields.data as *const u8, *raw.fields.strides)
    };
    let mut out = Vec::with_capacity(n);
    let mut name = String::new();
    let mut last: Option<(*const u8, u32)> = None;
    for i in 0..n {
        let item = data.wrapping_offset(i as isize * stride);
        let mut units = (0..width).map(|k| {
            // SAFETY: within the item, see above; the buffer may be unaligned.
            let u = unsafe { (item.add(4 * k) as *const u32).read_unaligned() };
            if swap {
                u.swap_bytes()
            } else {
                u
            }
        });
        if let Some((prev, idx)) = last {
            // Equal bytes as the previous element: same class (common in runs).
            // SAFETY: both items lie within the buffer.
            let same = unsafe {
                std::slice::from_raw_parts(prev, 4 * width)
                    == std::slice::from_raw_parts(item, 4 * width)
            };
            if same {
                out.push(idx);
                continue;
            }
        }
        name.clear();
        let mut valid = true;
        for u in units.by_ref() {
            if u == 0 {
                break;
            }
            match char::from_u32(u) {
                Some(c) => name.push(c),
                None => valid = false,
            }
        }
        // numpy strips trailing NULs only: an inner NUL is part of the string.
        let rest_zero = units.all(|u| u == 0);
        let idx = if valid && rest_zero {
            table.get(&name)
        } else {
            table.unknown()
        };
        last = Some((item, idx));
        out.push(idx);
    }
    out
}

#[pymethods]
impl PySampler {
    #[new]
    #[pyo3(signature = (config, seed=None, *, class_names=None))]
    fn new(
        config: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        class_names: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = config.py();
        let (enabled, specs) = parse_config(config)?;
        let seed = parse_seed(seed)?;
        let core = Sampler::new(enabled, &specs, seed)?;
        let names = core
            .strategies()
            .iter()
            .map(|s| PyString::new(py, &s.name).unbind())
            .collect();
        let ids = id_table(class_names, core.classes())?;
        Ok(PySampler { core, names, ids })
    }

    /// The names of the strategies in use, in config order.
    #[getter]
    fn strategy_names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.names.iter().map(|n| n.bind(py)))
    }

    /// Names of the strategies that keep this prediction, in config order.
    fn evaluate<'py>(
        &self,
        prediction: &Bound<'py, PyAny>,
        prediction_type: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = prediction.py();
        let prediction = prediction
            .cast::<PyDict>()
            .map_err(|_| expected("prediction", "a dict", prediction))?;
        let kind = prediction_type
            .cast::<PyString>()
            .map_err(|_| expected("prediction_type", "a str", prediction_type))?;
        let mut task = TaskType::from_name(kind.to_str().unwrap_or(""));
        if let Some(stub) = prediction.get_item(intern!(py, "is_stub"))? {
            if stub.is_truthy()? {
                task = TaskType::Other;
            }
        }
        let matched = if !self.core.needs_structure(task) {
            self.core.random_only()
        } else if task == TaskType::Detection {
            self.detections_dict(py, prediction)?
        } else if prediction.contains(intern!(py, "top"))? {
            self.multi_class(py, prediction)?
        } else {
            self.multi_label(py, prediction)?
        };
        self.result(py, &matched)
    }

    /// Names of the strategies that keep this detection-like prediction, given as arrays.
    #[pyo3(signature = (confidence, *, class_name=None, class_id=None, prediction_type=None, class_names=None))]
    fn evaluate_detections<'py>(
        &self,
        confidence: &Bound<'py, PyAny>,
        class_name: Option<&Bound<'py, PyAny>>,
        class_id: Option<&Bound<'py, PyAny>>,
        prediction_type: Option<&Bound<'py, PyAny>>,
        class_names: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = confidence.py();
        let task = match prediction_type.filter(|v| !v.is_none()) {
            None => TaskType::Detection,
            Some(v) => {
                let kind = v
                    .cast::<PyString>()
                    .map_err(|_| expected("prediction_type", "a str", v))?;
                let kind = kind.to_str().unwrap_or("");
                if kind == "classification" {
                    return Err(invalid_input(
                        "prediction_type: classification has no array form, use evaluate()",
                    ));
                }
                TaskType::from_name(kind)
            }
        };
        let conf = confidence_array(confidence)?;
        let n = match &conf {
            Confidence::F32(a) => a.len(),
            Confidence::F64(a) => a.len(),
        };
        let class_name = class_name.filter(|v| !v.is_none());
        let class_id = class_id.filter(|v| !v.is_none());
        if class_name.is_some() && class_id.is_some() {
            return Err(invalid_input("give class_name or class_id, not both"));
        }
        let table = self.core.classes();
        let call_ids = id_table(class_names, table)?;
        let needs_classes = self.core.needs_classes(task);
        let unknown = table.unknown();

        // Per-object class indices, as a Vec (names) or through the id table.
        let mut names_idx: Option<Vec<u32>> = None;
        let mut ids: Option<(IdArray<'py>, &[u32])> = None;
        if let Some(v) = class_name {
            names_idx = Some(class_name_indices(v, n, table)?);
        } else if let Some(v) = class_id {
            let array = id_array(v, n)?;
            let lookup = call_ids.as_deref().or(self.ids.as_deref());
            match lookup {
                Some(lookup) => {
                    array.check_range(lookup.len())?;
                    ids = Some((array, lookup));
                }
                None if needs_classes => {
                    return Err(invalid_input(
                        "class_id needs class_names (given to Sampler() or to this call): \
                         a strategy selects classes by name",
                    ))
                }
                None => {}
            }
        } else if needs_classes {
            return Err(invalid_input(
                "class_name or class_id is required: a strategy selects classes",
            ));
        }

        let matched = if !self.core.needs_structure(task) {
            self.core.random_only()
        } else {
            let core = &self.core;
            let conf_view = conf.view();
            let id_view = ids.as_ref().map(|(array, lookup)| (array.view(), *lookup));
            let run = || match (conf_view, &names_idx, id_view) {
                (ConfView::F32(c), Some(k), _) => {
                    core.detections(c.iter().map(|&x| f64::from(x)).zip(k.iter().copied()))
                }
                (ConfView::F64(c), Some(k), _) => {
                    core.detections(c.iter().copied().zip(k.iter().copied()))
                }
                (c, None, Some((array, lookup))) => array.evaluate(core, c, lookup, unknown),
                (ConfView::F32(c), None, None) => {
                    core.detections(c.iter().map(|&x| (f64::from(x), unknown)))
                }
                (ConfView::F64(c), None, None) => core.detections(c.iter().map(|&x| (x, unknown))),
            };
            if n >= DETACH_MIN_LEN {
                // Keep rust-numpy writers out while the GIL is released.
                let _guards = (
                    conf.guard()?,
                    ids.as_ref().map(|(array, _)| array.guard()).transpose()?,
                );
                py.detach(run)
            } else {
                run()
            }
        };
        self.result(py, &matched)
    }
}

fn class_name_indices(
    value: &Bound<'_, PyAny>,
    n: usize,
    table: &ClassTable,
) -> PyResult<Vec<u32>> {
    let what = "a list of str or a 1-D numpy array of str";
    if let Ok(list) = value.cast::<PyList>() {
        check_len("class_name", list.len(), n)?;
        let mut lookup = ClassLookup::new(table);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let item = list.get_item(i)?;
            let s = item
                .cast::<PyString>()
                .map_err(|_| expected(&format!("class_name[{i}]"), "a str", &item))?;
            out.push(lookup.index(s));
        }
        return Ok(out);
    }
    let array = value
        .cast::<PyUntypedArray>()
        .map_err(|_| expected("class_name", what, value))?;
    check_1d("class_name", array)?;
    match array.dtype().kind() {
        b'U' => {
            check_len("class_name", array.len(), n)?;
            Ok(unicode_classes(array, table))
        }
        b'O' => {
            check_len("class_name", array.len(), n)?;
            let objects = value
                .cast::<PyArray1<Py<PyAny>>>()?
                .try_readonly()
                .map_err(|_| {
                    invalid_input("class_name: the array is mutably borrowed elsewhere")
                })?;
            let mut lookup = ClassLookup::new(table);
            let mut out = Vec::with_capacity(n);
            for (i, item) in objects.as_array().iter().enumerate() {
                let item = item.bind(value.py());
                let s = item
                    .cast::<PyString>()
                    .map_err(|_| expected(&format!("class_name[{i}]"), "a str", item))?;
                out.push(lookup.index(s));
            }
            Ok(out)
        }
        _ => Err(invalid_type(format!(
            "class_name: expected str elements (dtype U or object), got dtype {}",
            dtype_name(array)
        ))),
    }
}

/// An integer `class_id` array of one of numpy's integer dtypes.
enum IdArray<'py> {
    I8(Bound<'py, PyArray1<i8>>),
    I16(Bound<'py, PyArray1<i16>>),
    I32(Bound<'py, PyArray1<i32>>),
    I64(Bound<'py, PyArray1<i64>>),
    U8(Bound<'py, PyArray1<u8>>),
    U16(Bound<'py, PyArray1<u16>>),
    U32(Bound<'py, PyArray1<u32>>),
    U64(Bound<'py, PyArray1<u64>>),
}

/// Runs `$body` with `$a` bound to the typed view of whichever dtype it is.
macro_rules! with_ids {
    ($ids:expr, $enum:ident, $a:ident => $body:expr) => {
        match $ids {
            $enum::I8($a) => $body,
            $enum::I16($a) => $body,
            $enum::I32($a) => $body,
            $enum::I64($a) => $body,
            $enum::U8($a) => $body,
            $enum::U16($a) => $body,
            $enum::U32($a) => $body,
            $enum::U64($a) => $body,
        }
    };
}

fn id_array<'py>(value: &Bound<'py, PyAny>, n: usize) -> PyResult<IdArray<'py>> {
    let what = "a 1-D integer numpy array";
    let array = value
        .cast::<PyUntypedArray>()
        .map_err(|_| expected("class_id", what, value))?;
    check_1d("class_id", array)?;
    macro_rules! try_dtype {
        ($t:ty, $variant:ident) => {
            if let Ok(a) = value.cast::<PyArray1<$t>>() {
                check_len("class_id", array.len(), n)?;
                return Ok(IdArray::$variant(a.clone()));
            }
        };
    }
    try_dtype!(i64, I64);
    try_dtype!(i32, I32);
    try_dtype!(u8, U8);
    try_dtype!(i16, I16);
    try_dtype!(i8, I8);
    try_dtype!(u16, U16);
    try_dtype!(u32, U32);
    try_dtype!(u64, U64);
    Err(invalid_type(format!(
        "class_id: expected {what}, got dtype {}",
        dtype_name(array)
    )))
}

/// A borrowed view of the `class_id` values (`Send`: used with the GIL released).
#[derive(Clone, Copy)]
enum IdView<'a> {
    I8(ArrayView1<'a, i8>),
    I16(ArrayView1<'a, i16>),
    I32(ArrayView1<'a, i32>),
    I64(ArrayView1<'a, i64>),
    U8(ArrayView1<'a, u8>),
    U16(ArrayView1<'a, u16>),
    U32(ArrayView1<'a, u32>),
    U64(ArrayView1<'a, u64>),
}

impl<'py> IdArray<'py> {
    fn view(&self) -> IdView<'_> {
        // SAFETY: as for `Confidence::view`.
        unsafe {
            match self {
                IdArray::I8(a) => IdView::I8(a.as_array()),
                IdArray::I16(a) => IdView::I16(a.as_array()),
                IdArray::I32(a) => IdView::I32(a.as_array()),
                IdArray::I64(a) => IdView::I64(a.as_array()),
                IdArray::U8(a) => IdView::U8(a.as_array()),
                IdArray::U16(a) => IdView::U16(a.as_array()),
                IdArray::U32(a) => IdView::U32(a.as_array()),
                IdArray::U64(a) => IdView::U64(a.as_array()),
            }
        }
    }

    fn guard(&self) -> PyResult<Guard<'py>> {
        let err = borrowed("class_id");
        match self {
            IdArray::I8(a) => a.try_readonly().map(Guard::I8).map_err(err),
            IdArray::I16(a) => a.try_readonly().map(Guard::I16).map_err(err),
            IdArray::I32(a) => a.try_readonly().map(Guard::I32).map_err(err),
            IdArray::I64(a) => a.try_readonly().map(Guard::I64).map_err(err),
            IdArray::U8(a) => a.try_readonly().map(Guard::U8).map_err(err),
            IdArray::U16(a) => a.try_readonly().map(Guard::U16).map_err(err),
            IdArray::U32(a) => a.try_readonly().map(Guard::U32).map_err(err),
            IdArray::U64(a) => a.try_readonly().map(Guard::U64).map_err(err),
        }
    }

    /// Every id must index `class_names` (of length `len`).
    fn check_range(&self, len: usize) -> PyResult<()> {
        with_ids!(self.view(), IdView, a => {
            for (i, &id) in a.iter().enumerate() {
                #[allow(irrefutable_let_patterns, clippy::unnecessary_fallible_conversions)]
                let ok = matches!(usize::try_from(id), Ok(k) if k < len);
                if !ok {
                    return Err(invalid_input(format!(
                        "class_id[{i}]: id {id} is out of range for {len} class_names"
                    )));
                }
            }
            Ok(())
        })
    }
}

impl IdView<'_> {
    fn evaluate(
        self,
        core: &Sampler,
        conf: ConfView<'_>,
        lookup: &[u32],
        unknown: u32,
    ) -> StrategySet {
        // Ids were range-checked; the fallback only keeps this panic-free.
        let class = |id: usize| lookup.get(id).copied().unwrap_or(unknown);
        with_ids!(self, IdView, a => {
            let ids = a.iter().map(|&id| class(id as usize));
            match conf {
                ConfView::F32(c) => core.detections(c.iter().map(|&x| f64::from(x)).zip(ids)),
                ConfView::F64(c) => core.detections(c.iter().copied().zip(ids)),
            }
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySampler>()
}
