//! PyO3 wrappers of the `image` core: borrow the numpy array in place, release the
//! GIL for resize + encode, return the JPEG bytes and sizes.

use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes};

use crate::image::{self, ChannelOrder, FilterType, ImageError, StridedImage};
use crate::py::convert::type_name;
use crate::py::errors::{invalid_input, invalid_type};

/// An int argument that is not a bool (`True` would otherwise pass as 1).
fn extract_int(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if obj.is_instance_of::<PyBool>() {
        return Err(invalid_type(format!("{what} must be an int, got bool")));
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        // An int beyond i64: out of range, not of the wrong type.
        return obj
            .extract::<i64>()
            .map_err(|_| invalid_input(format!("{what}: {obj} is out of range")));
    }
    Err(invalid_type(format!(
        "{what} must be an int, got {}",
        type_name(obj)
    )))
}

fn extract_max_size(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<(u64, u64)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let expected = "max_size must be (height, width) with two positive ints or None";
    if obj.is_instance_of::<pyo3::types::PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(invalid_type(format!("{expected}, got {}", type_name(obj))));
    }
    let items: Vec<Bound<'_, PyAny>> = obj
        .try_iter()
        .map_err(|_| invalid_type(format!("{expected}, got {}", type_name(obj))))?
        .collect::<PyResult<_>>()?;
    if items.len() != 2 {
        return Err(invalid_input(format!(
            "{expected}, got {} items",
            items.len()
        )));
    }
    let h = extract_int(&items[0], "max_size[0] (height)")?;
    let w = extract_int(&items[1], "max_size[1] (width)")?;
    Ok(image::check_max_size(Some((h, w)))?)
}

fn parse_order(channel_order: &str) -> PyResult<ChannelOrder> {
    match channel_order {
        "bgr" => Ok(ChannelOrder::Bgr),
        "rgb" => Ok(ChannelOrder::Rgb),
        other => Err(invalid_input(format!(
            "channel_order must be 'bgr' or 'rgb', got {other:?}"
        ))),
    }
}

fn parse_filter(name: Option<&str>) -> PyResult<FilterType> {
    Ok(match name {
        None => image::DEFAULT_FILTER,
        Some("box") => FilterType::Box,
        Some("bilinear") => FilterType::Bilinear,
        Some("hamming") => FilterType::Hamming,
        Some("catmullrom") => FilterType::CatmullRom,
        Some("mitchell") => FilterType::Mitchell,
        Some("lanczos3") => FilterType::Lanczos3,
        Some(other) => return Err(invalid_input(format!("unknown filter {other:?}"))),
    })
}

/// Checks dtype and shape, naming what is wrong.
fn check_array<'py>(image: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArrayDyn<u8>>> {
    let array = image.cast::<PyUntypedArray>().map_err(|_| {
        invalid_type(format!(
            "image must be a numpy.ndarray of dtype uint8, got {}",
            type_name(image)
        ))
    })?;
    let dtype = array.dtype();
    if !dtype.is_equiv_to(&numpy::dtype::<u8>(image.py())) {
        return Err(invalid_type(format!(
            "image must have dtype uint8, got {dtype}"
        )));
    }
    let shape = array.shape();
    let ok = match shape {
        [_, _] => true,
        [_, _, c] => matches!(c, 1 | 3 | 4),
        _ => false,
    };
    if !ok {
        return Err(invalid_input(format!(
            "image must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got ({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(image.cast::<PyArrayDyn<u8>>()?.clone())
}

/// The JPEG, the original (width, height) and the JPEG's (width, height).
type PreparedTuple<'py> = (Bound<'py, PyBytes>, (u32, u32), (u32, u32));

/// `prepare_image(image, max_size=None, quality=95, channel_order="bgr")` ->
/// `(jpeg, (orig_w, orig_h), (w, h))`. See `framesieve.prepare_image`.
#[pyfunction]
#[pyo3(signature = (image, max_size=None, quality=None, channel_order="bgr", _filter=None))]
fn prepare_image<'py>(
    py: Python<'py>,
    image: &Bound<'py, PyAny>,
    max_size: Option<&Bound<'py, PyAny>>,
    quality: Option<&Bound<'py, PyAny>>,
    channel_order: &str,
    _filter: Option<&str>,
) -> PyResult<PreparedTuple<'py>> {
    let array = check_array(image)?;
    let max_size = extract_max_size(max_size)?;
    let quality = match quality {
        Some(q) => image::check_quality(extract_int(q, "quality")?)?,
        None => 95,
    };
    let order = parse_order(channel_order)?;
    let filter = parse_filter(_filter)?;

    let readonly = array
        .try_readonly()
        .map_err(|e| invalid_input(format!("image cannot be read: {e}")))?;
    let view = readonly.as_array();
    let (height, width) = (view.shape()[0], view.shape()[1]);
    let channels = view.shape().get(2).copied().unwrap_or(1);
    let s = view.strides();
    let strides = [s[0], s[1], s.get(2).copied().unwrap_or(1)];
    if height == 0 || width == 0 {
        return Err(ImageError::Empty { width, height }.into());
    }
    // The memory span holding every element, from the lowest to the highest address.
    let (mut low, mut high) = (0isize, 0isize);
    for (n, stride) in [height, width, channels].into_iter().zip(strides) {
        let span = (n as isize - 1) * stride;
        if span < 0 {
            low += span;
        } else {
            high += span;
        }
    }
    // SAFETY: numpy guarantees every element (first and last included) is inside the
    // array's buffer, so the bytes between the lowest and highest element are too;
    // `readonly` keeps the array alive and borrowed (no Rust writer) while `data` lives.
    let data =
        unsafe { std::slice::from_raw_parts(view.as_ptr().offset(low), (high - low) as usize + 1) };
    let strided = StridedImage::new(data, (-low) as usize, height, width, channels, strides)?;
    let prepared =
        py.detach(|| image::prepare_with_filter(&strided, order, max_size, quality, filter))?;
    Ok((
        PyBytes::new(py, &prepared.jpeg),
        prepared.original_size,
        prepared.size,
    ))
}

/// `output_size(width, height, max_size)` -> `(w, h)`: the SPEC §4.4 size rule.
#[pyfunction]
fn output_size(
    width: u32,
    height: u32,
    max_size: Option<&Bound<'_, PyAny>>,
) -> PyResult<(u32, u32)> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty {
            width: width as usize,
            height: height as usize,
        }
        .into());
    }
    Ok(image::size::output_size(
        width,
        height,
        extract_max_size(max_size)?,
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(prepare_image, m)?)?;
    m.add_function(wrap_pyfunction!(output_size, m)?)?;
    Ok(())
}
