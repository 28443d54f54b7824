//! Detections given as numpy arrays: `confidence` (float32 or float64), the
//! classes as names (`class_name`) or ids (`class_id`, any integer dtype)
//! mapped through `class_names`. Arrays are read in place, any strides; long
//! ones are evaluated with the GIL released.

use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use pyo3::Borrowed;

use super::dicts::ClassLookup;
use crate::py::convert::{dtype_name, expected};
use crate::py::errors::{invalid_input, invalid_type};
use crate::sampling::classes::ClassTable;
use crate::sampling::set::StrategySet;
use crate::sampling::Sampler;

/// An enum over 1-D numpy arrays of several dtypes (one definition: the
/// enum and its `FromPyObject`). Extraction compares the dtype with each
/// variant's in turn. Not `#[derive(FromPyObject)]`: the derive turns every
/// variant that does not match into a normalised Python exception (about a
/// microsecond each, several times the cost of evaluating a small frame);
/// here a mismatch is a plain dtype comparison, and only the caller makes an
/// error, naming the argument and its dtype.
macro_rules! dtype_enum {
    ($(#[$doc:meta])* $vis:vis enum $name:ident { $($variant:ident($t:ty)),+ $(,)? }) => {
        $(#[$doc])*
        $vis enum $name<'py> {
            $($variant(Bound<'py, PyArray1<$t>>)),+
        }

        impl<'a, 'py> FromPyObject<'a, 'py> for $name<'py> {
            type Error = NoVariant;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> Result<Self, NoVariant> {
                $(
                    if let Ok(a) = obj.cast::<PyArray1<$t>>() {
                        return Ok($name::$variant(a.to_owned()));
                    }
                )+
                Err(NoVariant)
            }
        }
    };
}

/// The object is none of a dtype enum's array types.
pub struct NoVariant;

impl From<NoVariant> for PyErr {
    fn from(_: NoVariant) -> PyErr {
        invalid_type("expected a 1-D numpy array of another dtype")
    }
}

dtype_enum! {
    /// The `confidence` array, by dtype.
    pub enum Confidence { F32(f32), F64(f64) }
}

dtype_enum! {
    /// An integer `class_id` array, by dtype (the common ones are tried first).
    pub enum IdArray {
        I64(i64),
        I32(i32),
        U8(u8),
        I16(i16),
        I8(i8),
        U16(u16),
        U32(u32),
        U64(u64),
    }
}

/// Runs `$body` with `$c` bound to the typed array of whichever dtype it is.
macro_rules! with_confidence {
    ($conf:expr, $c:ident => $body:expr) => {
        match $conf {
            Confidence::F32($c) => $body,
            Confidence::F64($c) => $body,
        }
    };
}

/// Runs `$body` with `$a` bound to the typed array of whichever dtype it is.
macro_rules! with_ids {
    ($ids:expr, $a:ident => $body:expr) => {
        match $ids {
            IdArray::I8($a) => $body,
            IdArray::I16($a) => $body,
            IdArray::I32($a) => $body,
            IdArray::I64($a) => $body,
            IdArray::U8($a) => $body,
            IdArray::U16($a) => $body,
            IdArray::U32($a) => $body,
            IdArray::U64($a) => $body,
        }
    };
}

/// A confidence value as the double the closeness test uses (exact).
trait Widen: Copy {
    fn widen(self) -> f64;
}

impl Widen for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

impl Widen for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
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

fn borrowed(name: &str) -> impl FnOnce(numpy::BorrowError) -> PyErr + '_ {
    move |_| invalid_input(format!("{name}: the array is mutably borrowed elsewhere"))
}

impl<'py> Confidence<'py> {
    /// The `confidence` argument; errors name it and its dtype.
    pub fn from_arg(value: &Bound<'py, PyAny>) -> PyResult<Self> {
        let what = "a 1-D float32 or float64 numpy array";
        let array = value
            .cast::<PyUntypedArray>()
            .map_err(|_| expected("confidence", what, value))?;
        check_1d("confidence", array)?;
        value.extract().map_err(|_| {
            invalid_type(format!(
                "confidence: expected {what}, got dtype {}",
                dtype_name(array)
            ))
        })
    }

    pub fn len(&self) -> usize {
        with_confidence!(self, c => c.len())
    }
}

impl<'py> IdArray<'py> {
    /// The `class_id` argument, of `n` ids; errors name it and its dtype.
    pub fn from_arg(value: &Bound<'py, PyAny>, n: usize) -> PyResult<Self> {
        let what = "a 1-D integer numpy array";
        let array = value
            .cast::<PyUntypedArray>()
            .map_err(|_| expected("class_id", what, value))?;
        check_1d("class_id", array)?;
        let ids: Self = value.extract().map_err(|_| {
            invalid_type(format!(
                "class_id: expected {what}, got dtype {}",
                dtype_name(array)
            ))
        })?;
        check_len("class_id", array.len(), n)?;
        Ok(ids)
    }

    /// Every id must index `class_names` (of length `len`).
    pub fn check_range(&self, len: usize) -> PyResult<()> {
        with_ids!(self, a => {
            // SAFETY: see `evaluate`; the GIL is held and no Python code runs.
            let view = unsafe { a.as_array() };
            for (i, &id) in view.iter().enumerate() {
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

/// The classes of the objects, as read from the arguments.
pub enum Classes<'a, 'py> {
    /// A class index per object (from `class_name`).
    Names(Vec<u32>),
    /// Ids, and the class index of each id (from `class_names`).
    Ids(IdArray<'py>, &'a [u32]),
    /// No class given, or none needed: every object is of an unselected class.
    Unknown,
}

/// `f()`, with the GIL released when `detach`.
#[inline]
fn run<T: Send>(py: Python<'_>, detach: bool, f: impl FnOnce() -> T + Send) -> T {
    if detach {
        py.detach(f)
    } else {
        f()
    }
}

/// The strategies the detections match. With `detach`, the GIL is released
/// for the loop and rust-numpy's shared borrows keep writers out meanwhile.
pub fn evaluate(
    py: Python<'_>,
    core: &Sampler,
    confidence: &Confidence<'_>,
    classes: &Classes<'_, '_>,
    detach: bool,
) -> PyResult<StrategySet> {
    let unknown = core.classes().unknown();
    // Views are taken without rust-numpy's borrow flags (they cost more than
    // evaluating a 100-object frame): the GIL is held and no Python code runs
    // while a view is read, unless the evaluation detaches, and then a
    // readonly borrow is held for it.
    with_confidence!(confidence, c => {
        let _guard = detach
            .then(|| c.try_readonly().map_err(borrowed("confidence")))
            .transpose()?;
        // SAFETY: see above; a 1-D view of a live numpy buffer.
        let conf = unsafe { c.as_array() };
        Ok(match classes {
            Classes::Names(k) => run(py, detach, || {
                core.detections(conf.iter().map(|&x| x.widen()).zip(k.iter().copied()))
            }),
            Classes::Unknown => run(py, detach, || {
                core.detections(conf.iter().map(|&x| (x.widen(), unknown)))
            }),
            Classes::Ids(ids, lookup) => with_ids!(ids, a => {
                let _guard = detach
                    .then(|| a.try_readonly().map_err(borrowed("class_id")))
                    .transpose()?;
                // SAFETY: as for `conf`.
                let ids = unsafe { a.as_array() };
                // Ids were range-checked; the fallback only keeps this panic-free.
                let class = |id: usize| lookup.get(id).copied().unwrap_or(unknown);
                run(py, detach, || {
                    core.detections(
                        conf.iter()
                            .map(|&x| x.widen())
                            .zip(ids.iter().map(|&id| class(id as usize))),
                    )
                })
            }),
        })
    })
}

/// The class index of every object from `class_name`: a list of str, or a
/// 1-D numpy array of dtype `U` or object.
pub fn class_name_indices(
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
            object_classes(value.py(), value.cast::<PyArray1<Py<PyAny>>>()?, table)
        }
        _ => Err(invalid_type(format!(
            "class_name: expected str elements (dtype U or object), got dtype {}",
            dtype_name(array)
        ))),
    }
}

/// Class indices of a numpy object array of str: the element pointers are
/// read from the buffer (no borrow flags, no reference counting) and each
/// distinct str object is looked up once (`ClassLookup` caches by address).
fn object_classes(
    py: Python<'_>,
    array: &Bound<'_, PyArray1<Py<PyAny>>>,
    table: &ClassTable,
) -> PyResult<Vec<u32>> {
    let n = array.len();
    // SAFETY: a 1-D object array of `n` pointers at `data + i * stride`; the
    // GIL is held and no Python code runs while it is read (a lookup only
    // encodes a str to UTF-8), so no element is replaced or freed meanwhile.
    let (data, stride) = unsafe {
        let raw = &*array.as_array_ptr();
        (raw.fields.data as *const u8, *raw.fields.strides)
    };
    let mut lookup = ClassLookup::new(table);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: as above; the slot may be unaligned for a strided view.
        let item = unsafe {
            (data.wrapping_offset(i as isize * stride) as *const *mut ffi::PyObject)
                .read_unaligned()
        };
        // SAFETY: a non-null element is a live object owned by the array.
        let is_str = !item.is_null()
            && unsafe {
                ffi::Py_TYPE(item) == addr_of_mut!(ffi::PyUnicode_Type)
                    || ffi::PyUnicode_Check(item) != 0
            };
        if !is_str {
            let got = if item.is_null() {
                py.None().into_bound(py)
            } else {
                // SAFETY: live, see above.
                unsafe { Bound::from_borrowed_ptr(py, item) }
            };
            return Err(expected(&format!("class_name[{i}]"), "a str", &got));
        }
        // SAFETY: a live str, GIL held.
        out.push(unsafe { lookup.index_ptr(py, item) });
    }
    Ok(out)
}

/// A selected name as a numpy `U` item of `width` code units would hold
/// it (UCS-4, NUL-padded, in the array's byte order), or None when no item
/// can equal it: longer than the width, or ending in NUL (numpy strips
/// trailing NULs, so no item reads back with one).
fn encode_item(name: &str, width: usize, swap: bool) -> Option<Vec<u8>> {
    if name.ends_with('\0') {
        return None;
    }
    let mut bytes = Vec::with_capacity(4 * width);
    for c in name.chars() {
        if bytes.len() == 4 * width {
            return None;
        }
        let u = c as u32;
        bytes.extend_from_slice(&if swap { u.swap_bytes() } else { u }.to_ne_bytes());
    }
    bytes.resize(4 * width, 0);
    Some(bytes)
}

/// The first up-to-8 bytes of an item, as a u64 (a cheap first comparison).
///
/// # Safety
/// `item` must point to `size` readable bytes.
#[inline(always)]
unsafe fn head(item: *const u8, size: usize) -> u64 {
    if size >= 8 {
        (item as *const u64).read_unaligned()
    } else if size >= 4 {
        u64::from((item as *const u32).read_unaligned())
    } else {
        0
    }
}

/// Whether the item equals `bytes` (of the item's size) past the leading
/// bytes `head` compared: 8 bytes at a time, inline (a `memcmp` call costs
/// more than these short names).
///
/// # Safety
/// `item` must point to `bytes.len()` readable bytes.
#[inline(always)]
unsafe fn same_tail(item: *const u8, bytes: &[u8]) -> bool {
    let size = bytes.len();
    let mut k = size.min(8);
    while k + 8 <= size {
        let a = (item.add(k) as *const u64).read_unaligned();
        let b = (bytes.as_ptr().add(k) as *const u64).read_unaligned();
        if a != b {
            return false;
        }
        k += 8;
    }
    // Sizes are whole code units: at most one 4-byte unit is left.
    k == size
        || (item.add(k) as *const u32).read_unaligned()
            == (bytes.as_ptr().add(k) as *const u32).read_unaligned()
}

/// Class indices of a numpy `U` array, read from its buffer without decoding
/// an element: the raw bytes of each item are compared with the selected
/// names pre-encoded at the array's width and byte order, first by their
/// leading 8 bytes (which tell most names apart), then in full.
fn unicode_classes(array: &Bound<'_, PyUntypedArray>, table: &ClassTable) -> Vec<u32> {
    let n = array.len();
    let dtype = array.dtype();
    let size = dtype.itemsize();
    let width = size / 4;
    let swap = dtype.is_native_byteorder() == Some(false);
    // (leading bytes, whole item, class index) per name an item can equal.
    let candidates: Vec<(u64, Vec<u8>, u32)> = table
        .names()
        .enumerate()
        .filter_map(|(i, name)| {
            let bytes = encode_item(name, width, swap)?;
            // SAFETY: `bytes` holds `size` bytes.
            let h = unsafe { head(bytes.as_ptr(), size) };
            Some((h, bytes, i as u32))
        })
        .collect();
    let unknown = table.unknown();
    // SAFETY: a 1-D array of `n` items of `size` bytes at `data + i * stride`;
    // the GIL is held, so no Python code resizes it while we read.
    let (data, stride) = unsafe {
        let raw = &*array.as_array_ptr();
        (raw.fields.data as *const u8, *raw.fields.strides)
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let item = data.wrapping_offset(i as isize * stride);
        // SAFETY: the item lies within the buffer, see above (maybe unaligned).
        let h = unsafe { head(item, size) };
        let mut idx = unknown;
        for (ch, bytes, k) in &candidates {
            // SAFETY: as above.
            if *ch == h && unsafe { same_tail(item, bytes) } {
                idx = *k;
                break;
            }
        }
        out.push(idx);
    }
    out
}
