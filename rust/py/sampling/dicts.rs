//! Predictions given as Roboflow dicts (SPEC §2): detections, multi-class
//! and multi-label classifications read through interned keys, class strings
//! looked up once per str object, into the core's `(confidence, class)` data.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::py::convert::{expected, number};
use crate::py::errors::invalid_input;
use crate::sampling::classes::ClassTable;
use crate::sampling::classification::{Label, MultiClass};
use crate::sampling::set::StrategySet;
use crate::sampling::task::TaskType;
use crate::sampling::Sampler;

/// Predictions up to this many objects are read into a stack buffer.
const STACK_OBJECTS: usize = 64;

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

/// Slots of the per-call class cache: room for a frame's distinct class
/// strings without colliding (a miss re-reads the string and scans the table).
const CACHE_SLOTS: usize = 64;

/// Class string -> class index, remembering recent str objects by
/// address: class strings usually repeat within a prediction. The cache
/// lives for one call, while the prediction holds the strings alive.
pub(super) struct ClassLookup<'a> {
    table: &'a ClassTable,
    /// Open-addressed by a hash of the address (a filled table is
    /// overwritten at the home slot); address 0 (no object) marks an empty slot.
    cache: [(usize, u32); CACHE_SLOTS],
}

impl<'a> ClassLookup<'a> {
    pub(super) fn new(table: &'a ClassTable) -> Self {
        ClassLookup {
            table,
            cache: [(0, 0); CACHE_SLOTS],
        }
    }

    #[inline]
    pub(super) fn index(&mut self, s: &Bound<'_, PyString>) -> u32 {
        // SAFETY: `s` is a live str.
        unsafe { self.index_ptr(s.py(), s.as_ptr()) }
    }

    /// # Safety
    /// `s` must point to a live `str` (or subclass) object, GIL held.
    #[inline]
    pub(super) unsafe fn index_ptr(&mut self, py: Python<'_>, s: *mut ffi::PyObject) -> u32 {
        let key = s as usize;
        // Fibonacci hashing of the address: small str objects sit in
        // pymalloc size classes (56, 64, 72 bytes...), so plain address bits
        // alias; the top bits of the product spread them. Linear probing
        // up to 4 slots, then the home slot is overwritten.
        let home = ((key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize;
        let mut slot = home;
        for probe in 0..4 {
            let at = (home + probe) % CACHE_SLOTS;
            match self.cache[at].0 {
                k if k == key => return self.cache[at].1,
                0 => {
                    slot = at;
                    break;
                }
                _ => {}
            }
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

/// Where a key sat in the previous object's dict. Detections of one
/// prediction are built alike, so their keys sit at the same entry index:
/// `PyDict_Next` from that index reads the entry directly, and an entry whose
/// key is the very (interned) key object is that key's value, a fraction of
/// a hashed lookup's cost. Any other entry falls back to the lookup.
#[derive(Clone, Copy, Default)]
struct KeyHint(Option<ffi::Py_ssize_t>);

impl KeyHint {
    /// `mapping[key]` as a borrowed pointer, or the missing-key error.
    ///
    /// # Safety
    /// As `borrowed_item`.
    #[inline]
    unsafe fn item(
        &mut self,
        py: Python<'_>,
        mapping: *mut ffi::PyObject,
        key: &Bound<'_, PyString>,
        owner: impl FnOnce() -> String,
    ) -> PyResult<*mut ffi::PyObject> {
        let want = key.as_ptr();
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        if let Some(at) = self.0 {
            let mut pos = at;
            if ffi::PyDict_Next(mapping, &mut pos, &mut k, &mut v) != 0 && k == want {
                return Ok(v);
            }
        } else {
            // Learn the index from this dict: scan its entries for the key
            // object itself (keys of other identity, e.g. from a JSON
            // decoder, are never found so: the lookup serves them).
            let mut pos: ffi::Py_ssize_t = 0;
            while ffi::PyDict_Next(mapping, &mut pos, &mut k, &mut v) != 0 {
                if k == want {
                    self.0 = Some(pos - 1);
                    return Ok(v);
                }
            }
            self.0 = Some(-1);
        }
        borrowed_item(py, mapping, key, owner)
    }
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
    hints: &mut (KeyHint, KeyHint),
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
        let c = hints.0.item(py, d, keys.0, owner)?;
        let confidence = if ffi::Py_TYPE(c) == addr_of_mut!(ffi::PyFloat_Type) {
            ffi::PyFloat_AsDouble(c)
        } else {
            number(&Bound::from_borrowed_ptr(py, c), || {
                format!("predictions[{i}].confidence")
            })?
        };
        let k = hints.1.item(py, d, keys.1, owner)?;
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

/// The strategies a detection-like prediction dict matches (SPEC §2 shape:
/// `predictions`, a list of dicts with `confidence` and `class`).
pub fn detections(
    core: &Sampler,
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
    let needs_classes = core.needs_classes(TaskType::Detection);
    let mut lookup = ClassLookup::new(core.classes());
    let keys = (intern!(py, "confidence"), intern!(py, "class"));
    let mut hints = (KeyHint::default(), KeyHint::default());
    for (i, slot) in objects.iter_mut().enumerate() {
        let item = list.get_item(i)?;
        let lookup = if needs_classes {
            Some(&mut lookup)
        } else {
            None
        };
        *slot = read_detection(py, &item, i, keys, &mut hints, lookup)?;
    }
    Ok(core.detections(objects.iter().copied()))
}

/// The strategies a multi-class classification dict matches (`top`,
/// `confidence`, and `predictions` as a list of dicts).
pub fn multi_class(
    core: &Sampler,
    py: Python<'_>,
    prediction: &Bound<'_, PyDict>,
) -> PyResult<StrategySet> {
    let table = core.classes();
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
    Ok(core.multi_class(MultiClass {
        top,
        top_confidence,
        classes: &classes,
    }))
}

/// The strategies a multi-label classification dict matches (`predictions`
/// as a mapping of class to dict, and `predicted_classes`).
pub fn multi_label(
    core: &Sampler,
    py: Python<'_>,
    prediction: &Bound<'_, PyDict>,
) -> PyResult<StrategySet> {
    let table = core.classes();
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
    Ok(core.multi_label(&labels))
}
