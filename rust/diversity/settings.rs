//! The settings of diversity selection, checked in one place.

use super::error::{invalid, DiversityError};

/// Default cap on the kept vectors remembered per source.
pub const DEFAULT_MAX_KEPT: usize = 1024;
/// Cap on `max_kept`: the scan is linear in it (65,536 x 512 floats: a few ms).
pub const MAX_MAX_KEPT: usize = 65_536;
/// Cap on an embedding's dimension.
pub const MAX_DIM: usize = 65_536;

/// How a frame is judged novel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Novel when its cosine distance to every kept vector exceeds this, in [0, 2).
    MinDistance(f64),
    /// The threshold adapts so that this share of the frames checked is kept, in (0, 1].
    TargetShare(f64),
}

/// A mode, an optional time window (`INFINITY`: none) and a cap on kept vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiversitySettings {
    pub mode: Mode,
    pub window_seconds: f64,
    pub max_kept: usize,
}

impl DiversitySettings {
    /// Exactly one of `min_cosine_distance` and `target_share`; `window_seconds`
    /// finite and > 0 when given; `max_kept` in 1..=`MAX_MAX_KEPT`.
    pub fn new(
        min_cosine_distance: Option<f64>,
        target_share: Option<f64>,
        window_seconds: Option<f64>,
        max_kept: i64,
    ) -> Result<Self, DiversityError> {
        let mode = match (min_cosine_distance, target_share) {
            (Some(d), None) => Mode::MinDistance(check_min_distance(d)?),
            (None, Some(s)) => Mode::TargetShare(check_target_share(s)?),
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "min_cosine_distance, target_share: give one of them, not both",
                ))
            }
            (None, None) => {
                return Err(invalid(
                    "min_cosine_distance, target_share: one of them is required",
                ))
            }
        };
        let window_seconds = match window_seconds {
            None => f64::INFINITY,
            Some(w) if w.is_finite() && w > 0.0 => w,
            Some(w) => {
                return Err(invalid(format!(
                    "window_seconds: must be a finite number > 0, got {w}"
                )))
            }
        };
        Ok(DiversitySettings {
            mode,
            window_seconds,
            max_kept: check_max_kept(max_kept)?,
        })
    }
}

fn check_min_distance(d: f64) -> Result<f64, DiversityError> {
    if (0.0..2.0).contains(&d) {
        Ok(d)
    } else {
        Err(invalid(format!(
            "min_cosine_distance: must be within [0, 2), got {d}"
        )))
    }
}

fn check_target_share(s: f64) -> Result<f64, DiversityError> {
    if s > 0.0 && s <= 1.0 {
        Ok(s)
    } else {
        Err(invalid(format!(
            "target_share: must be within (0, 1], got {s}"
        )))
    }
}

fn check_max_kept(max_kept: i64) -> Result<usize, DiversityError> {
    match usize::try_from(max_kept) {
        Ok(n) if (1..=MAX_MAX_KEPT).contains(&n) => Ok(n),
        _ => Err(invalid(format!(
            "max_kept: must be an integer within [1, {MAX_MAX_KEPT}], got {max_kept}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<DiversitySettings, DiversityError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn each_setting_is_checked_and_named() {
        let ok = DiversitySettings::new(Some(0.2), None, Some(5.0), 16).unwrap();
        assert_eq!(ok.mode, Mode::MinDistance(0.2));
        assert_eq!((ok.window_seconds, ok.max_kept), (5.0, 16));
        let open = DiversitySettings::new(None, Some(1.0), None, 1).unwrap();
        assert_eq!(open.mode, Mode::TargetShare(1.0));
        assert!(open.window_seconds.is_infinite());
        assert!(
            message(DiversitySettings::new(Some(0.1), Some(0.5), None, 1)).contains("not both")
        );
        assert!(message(DiversitySettings::new(None, None, None, 1)).contains("required"));
        for d in [-0.1, 2.0, f64::NAN] {
            assert!(message(DiversitySettings::new(Some(d), None, None, 1))
                .starts_with("min_cosine_distance:"));
        }
        for s in [0.0, 1.5, f64::NAN] {
            assert!(message(DiversitySettings::new(None, Some(s), None, 1))
                .starts_with("target_share:"));
        }
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(message(DiversitySettings::new(Some(0.1), None, Some(w), 1))
                .starts_with("window_seconds:"));
        }
        assert!(message(DiversitySettings::new(Some(0.1), None, None, 0)).starts_with("max_kept:"));
        assert!(
            message(DiversitySettings::new(Some(0.1), None, None, 1 << 40))
                .starts_with("max_kept:")
        );
    }
}
