//! PyO3 wrapper of the `nms` core: borrow the numpy arrays, detach for the loop.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::nms;
use crate::py::errors::invalid_input;

/// Class-aware greedy NMS: indices (int64) of the boxes kept, best score first.
///
/// `xyxy`: float32 [N, 4]; `scores`: float32 [N]; `class_ids`: int64 [N] or None
/// (class-agnostic). Rows with a non-finite value are never kept.
#[pyfunction]
#[pyo3(signature = (xyxy, scores, class_ids, iou_threshold))]
fn batched_nms<'py>(
    py: Python<'py>,
    xyxy: PyReadonlyArray2<'py, f32>,
    scores: PyReadonlyArray1<'py, f32>,
    class_ids: Option<PyReadonlyArray1<'py, i64>>,
    iou_threshold: f64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let view = xyxy.as_array();
    let (rows, cols) = view.dim();
    if cols != 4 {
        return Err(invalid_input(format!(
            "xyxy: expected shape [N, 4], got [{rows}, {cols}]"
        )));
    }
    // Copied out (in row-major order, whatever the strides) so the GIL can be released.
    let boxes: Vec<f32> = view.iter().copied().collect();
    let scores: Vec<f32> = scores.as_array().iter().copied().collect();
    let classes: Option<Vec<i64>> = class_ids.map(|c| c.as_array().iter().copied().collect());
    let keep =
        py.detach(|| nms::batched_nms(&boxes, &scores, classes.as_deref(), iou_threshold))?;
    let keep: Vec<i64> = keep.into_iter().map(|i| i as i64).collect();
    Ok(keep.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(batched_nms, m)?)?;
    Ok(())
}
