//! Greedy non-maximum suppression over axis-aligned boxes, class-aware.
//!
//! Semantics (shared with the numpy twin `framesieve.models.nms.batched_nms_numpy`,
//! bit for bit): rows with a non-finite coordinate or score are dropped; within
//! each class, boxes are visited by score (descending, ties by index) and a box is
//! suppressed when its IoU, computed in f64, with an already kept box of its class
//! is greater than the threshold. The kept indices come back by score, ties by index.

use std::cmp::Ordering;
use std::fmt;

/// Bad arguments to [`batched_nms`].
#[derive(Debug, Clone, PartialEq)]
pub enum NmsError {
    /// `boxes` is not 4 values per score, or `classes` is not one per score.
    Shape {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// The IoU threshold is NaN.
    Threshold,
}

impl fmt::Display for NmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NmsError::Shape {
                what,
                expected,
                got,
            } => {
                write!(f, "{what}: expected {expected} values, got {got}")
            }
            NmsError::Threshold => write!(f, "iou_threshold: must be a number, got NaN"),
        }
    }
}

impl std::error::Error for NmsError {}

fn area(b: &[f64; 4]) -> f64 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

/// Intersection over union; 0 when the union has no area.
fn iou(a: &[f64; 4], b: &[f64; 4], area_a: f64, area_b: f64) -> f64 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = area_a + area_b - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// Scores descending, ties by index; -0.0 and 0.0 tie, as in numpy's sort.
fn by_score(scores: &[f32], a: usize, b: usize) -> Ordering {
    scores[b]
        .partial_cmp(&scores[a])
        .unwrap_or(Ordering::Equal)
        .then(a.cmp(&b))
}

/// Indices of the boxes kept by class-aware greedy NMS, best score first.
///
/// `boxes`: `4 * n` values, `x1, y1, x2, y2` per box; `scores`: `n`; `classes`:
/// `n` class ids, or `None` for class-agnostic NMS.
pub fn batched_nms(
    boxes: &[f32],
    scores: &[f32],
    classes: Option<&[i64]>,
    iou_threshold: f64,
) -> Result<Vec<usize>, NmsError> {
    let n = scores.len();
    if boxes.len() != 4 * n {
        return Err(NmsError::Shape {
            what: "boxes",
            expected: 4 * n,
            got: boxes.len(),
        });
    }
    if let Some(c) = classes {
        if c.len() != n {
            return Err(NmsError::Shape {
                what: "class_ids",
                expected: n,
                got: c.len(),
            });
        }
    }
    if iou_threshold.is_nan() {
        return Err(NmsError::Threshold);
    }
    let class_of = |i: usize| classes.map_or(0, |c| c[i]);
    let rows: Vec<[f64; 4]> = boxes
        .chunks_exact(4)
        .map(|b| {
            [
                f64::from(b[0]),
                f64::from(b[1]),
                f64::from(b[2]),
                f64::from(b[3]),
            ]
        })
        .collect();
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| scores[i].is_finite() && rows[i].iter().all(|v| v.is_finite()))
        .collect();
    order.sort_by(|&a, &b| class_of(a).cmp(&class_of(b)).then(by_score(scores, a, b)));
    let areas: Vec<f64> = rows.iter().map(area).collect();

    let mut keep = Vec::new();
    let mut suppressed = vec![false; n];
    let mut start = 0;
    while start < order.len() {
        let class = class_of(order[start]);
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| class_of(i) == class)
                .count();
        let group = &order[start..end];
        for (pos, &i) in group.iter().enumerate() {
            if suppressed[i] {
                continue;
            }
            keep.push(i);
            for &j in &group[pos + 1..] {
                if !suppressed[j] && iou(&rows[i], &rows[j], areas[i], areas[j]) > iou_threshold {
                    suppressed[j] = true;
                }
            }
        }
        start = end;
    }
    keep.sort_by(|&a, &b| by_score(scores, a, b));
    Ok(keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_best_of_overlapping_boxes() {
        let boxes = [
            0.0, 0.0, 10.0, 10.0, 1.0, 1.0, 11.0, 11.0, 20.0, 20.0, 30.0, 30.0,
        ];
        let scores = [0.5, 0.9, 0.8];
        // IoU(0, 1) = 81 / 119 = 0.68
        assert_eq!(batched_nms(&boxes, &scores, None, 0.5).unwrap(), vec![1, 2]);
        assert_eq!(
            batched_nms(&boxes, &scores, None, 0.7).unwrap(),
            vec![1, 2, 0]
        );
    }

    #[test]
    fn classes_do_not_suppress_each_other() {
        let boxes = [
            0.0, 0.0, 10.0, 10.0, 0.0, 0.0, 10.0, 10.0, 0.0, 0.0, 10.0, 10.0,
        ];
        let scores = [0.3, 0.9, 0.6];
        let classes = [1, 0, 0];
        assert_eq!(
            batched_nms(&boxes, &scores, Some(&classes), 0.5).unwrap(),
            vec![1, 0]
        );
    }

    #[test]
    fn ties_keep_index_order_and_non_finite_rows_are_dropped() {
        let boxes = [
            0.0,
            0.0,
            1.0,
            1.0,
            5.0,
            5.0,
            6.0,
            6.0,
            f32::NAN,
            0.0,
            1.0,
            1.0,
            9.0,
            9.0,
            10.0,
            10.0,
        ];
        let scores = [0.5, 0.5, 0.9, f32::NAN];
        assert_eq!(batched_nms(&boxes, &scores, None, 0.5).unwrap(), vec![0, 1]);
    }

    #[test]
    fn empty_and_degenerate_boxes() {
        assert_eq!(
            batched_nms(&[], &[], None, 0.5).unwrap(),
            Vec::<usize>::new()
        );
        // two zero-area boxes at one point: union 0, IoU 0, both kept
        let boxes = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        assert_eq!(
            batched_nms(&boxes, &[0.9, 0.8], None, 0.0).unwrap(),
            vec![0, 1]
        );
    }

    #[test]
    fn bad_shapes_and_threshold_are_errors() {
        let err = batched_nms(&[0.0; 7], &[0.5, 0.5], None, 0.5).unwrap_err();
        assert_eq!(err.to_string(), "boxes: expected 8 values, got 7");
        let err = batched_nms(&[0.0; 4], &[0.5], Some(&[0, 1]), 0.5).unwrap_err();
        assert_eq!(err.to_string(), "class_ids: expected 1 values, got 2");
        assert_eq!(
            batched_nms(&[0.0; 4], &[0.5], None, f64::NAN),
            Err(NmsError::Threshold)
        );
    }
}
