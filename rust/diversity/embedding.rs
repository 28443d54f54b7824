//! An embedding made a unit float32 vector, checked on the way.

use super::error::{invalid, DiversityError};
use super::settings::MAX_DIM;

/// `values` divided by their Euclidean norm, as `f32`. Every value must be
/// finite and at least one non-zero; 1..=`MAX_DIM` values. The norm is taken
/// of the values scaled by the largest magnitude, in double precision, so that
/// neither huge nor tiny values overflow or underflow.
pub fn unit_vector(values: &[f64]) -> Result<Vec<f32>, DiversityError> {
    if values.is_empty() || values.len() > MAX_DIM {
        return Err(invalid(format!(
            "embedding: expected 1 to {MAX_DIM} values, got {}",
            values.len()
        )));
    }
    let mut largest = 0.0f64;
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(invalid(format!(
                "embedding: every value must be finite, got {v} at index {i}"
            )));
        }
        largest = largest.max(v.abs());
    }
    if largest == 0.0 {
        return Err(invalid(
            "embedding: has zero norm (all values are 0): it has no direction to compare",
        ));
    }
    let norm = values
        .iter()
        .map(|v| (v / largest).powi(2))
        .sum::<f64>()
        .sqrt()
        * largest;
    Ok(values.iter().map(|v| (v / norm) as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_length_whatever_the_scale() {
        for scale in [1e-300, 1e-3, 1.0, 1e3, 1e300] {
            let u = unit_vector(&[3.0 * scale, -4.0 * scale]).unwrap();
            assert_eq!(u, vec![0.6, -0.8]);
        }
    }

    #[test]
    fn bad_embeddings_are_named() {
        let message = |v: &[f64]| unit_vector(v).unwrap_err().to_string();
        assert!(message(&[]).starts_with("embedding: expected 1 to"));
        assert!(message(&[1.0, f64::NAN]).contains("at index 1"));
        assert!(message(&[f64::NEG_INFINITY]).contains("finite"));
        assert!(message(&[0.0, 0.0]).contains("zero norm"));
        assert!(unit_vector(&vec![1.0; MAX_DIM + 1]).is_err());
    }
}
