//! SPEC §2–3 rules about the prediction itself: its task family (stubs
//! included), the form of a classification, and how array detections give
//! their classes. The PyO3 layer reads the Python objects; these decide.

use super::error::SamplingError;

/// The family of a prediction type, as far as sampling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskType {
    /// `object-detection`, `instance-segmentation`, `keypoint-detection`.
    Detection,
    /// `classification` (multi-class or multi-label).
    Classification,
    /// A stub prediction, or a type framesieve does not know: only `random` matches.
    Other,
}

/// The one prediction type that has no array form.
const CLASSIFICATION: &str = "classification";

impl TaskType {
    /// Maps a prediction type string; unknown strings are [`TaskType::Other`], not an error.
    pub fn from_name(name: &str) -> Self {
        match name {
            "object-detection" | "instance-segmentation" | "keypoint-detection" => {
                TaskType::Detection
            }
            CLASSIFICATION => TaskType::Classification,
            _ => TaskType::Other,
        }
    }

    /// The family of a prediction given as a dict: its type name, unless the
    /// prediction is a stub (a truthy `is_stub`), which only `random` matches.
    pub fn of_prediction(prediction_type: &str, is_stub: bool) -> Self {
        if is_stub {
            TaskType::Other
        } else {
            TaskType::from_name(prediction_type)
        }
    }

    /// The family of detections given as arrays (`None`: object detection).
    /// Classification has no array form.
    pub fn of_arrays(prediction_type: Option<&str>) -> Result<Self, SamplingError> {
        match prediction_type {
            None => Ok(TaskType::Detection),
            Some(CLASSIFICATION) => Err(SamplingError::input(
                "prediction_type: classification has no array form, use evaluate()",
            )),
            Some(name) => Ok(TaskType::from_name(name)),
        }
    }
}

/// The two shapes of a classification prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassificationForm {
    /// `{"predictions": [...], "top": str, "confidence": float}`.
    MultiClass,
    /// `{"predictions": {class: {...}}, "predicted_classes": [...]}`.
    MultiLabel,
}

impl ClassificationForm {
    /// A classification is multi-class if and only if it has a `top` key.
    pub fn of(has_top_key: bool) -> Self {
        if has_top_key {
            ClassificationForm::MultiClass
        } else {
            ClassificationForm::MultiLabel
        }
    }
}

/// How array detections give the class of each object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayClasses {
    /// `class_name`: one name per object.
    Names,
    /// `class_id`: one id per object; `with_names` when `class_names` (to the
    /// sampler or to the call) maps the ids to names.
    Ids { with_names: bool },
    /// Neither.
    Absent,
}

impl ArrayClasses {
    /// Which of `class_name` and `class_id` was given; not both.
    pub fn given(class_name: bool, class_id: bool) -> Result<Self, SamplingError> {
        match (class_name, class_id) {
            (true, true) => Err(SamplingError::input(
                "give class_name or class_id, not both",
            )),
            (true, false) => Ok(ArrayClasses::Names),
            (false, true) => Ok(ArrayClasses::Ids { with_names: false }),
            (false, false) => Ok(ArrayClasses::Absent),
        }
    }

    /// Whether the classes are enough for strategies that select classes
    /// (`needs_classes`): names, or ids with the names they stand for.
    pub fn check(self, needs_classes: bool) -> Result<(), SamplingError> {
        match self {
            ArrayClasses::Names | ArrayClasses::Ids { with_names: true } => Ok(()),
            _ if !needs_classes => Ok(()),
            ArrayClasses::Ids { with_names: false } => Err(SamplingError::input(
                "class_id needs class_names (given to Sampler() or to this call): \
                 a strategy selects classes by name",
            )),
            ArrayClasses::Absent => Err(SamplingError::input(
                "class_name or class_id is required: a strategy selects classes",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stubs_and_unknown_types_are_other() {
        assert_eq!(
            TaskType::of_prediction("object-detection", false),
            TaskType::Detection
        );
        assert_eq!(
            TaskType::of_prediction("keypoint-detection", true),
            TaskType::Other
        );
        assert_eq!(
            TaskType::of_prediction("classification", false),
            TaskType::Classification
        );
        assert_eq!(TaskType::of_prediction("OCR", false), TaskType::Other);
    }

    #[test]
    fn arrays_have_no_classification_form() {
        assert_eq!(TaskType::of_arrays(None), Ok(TaskType::Detection));
        assert_eq!(
            TaskType::of_arrays(Some("instance-segmentation")),
            Ok(TaskType::Detection)
        );
        assert_eq!(TaskType::of_arrays(Some("OCR")), Ok(TaskType::Other));
        let err = TaskType::of_arrays(Some("classification")).unwrap_err();
        assert!(err.to_string().contains("use evaluate()"), "{err}");
    }

    #[test]
    fn top_key_means_multi_class() {
        assert_eq!(ClassificationForm::of(true), ClassificationForm::MultiClass);
        assert_eq!(
            ClassificationForm::of(false),
            ClassificationForm::MultiLabel
        );
    }

    #[test]
    fn array_classes_rules() {
        assert!(ArrayClasses::given(true, true)
            .unwrap_err()
            .to_string()
            .contains("not both"));
        let ids = ArrayClasses::given(false, true).unwrap();
        assert_eq!(ids, ArrayClasses::Ids { with_names: false });
        assert!(ids.check(false).is_ok());
        assert!(ids
            .check(true)
            .unwrap_err()
            .to_string()
            .contains("class_id needs class_names"));
        assert!(ArrayClasses::Ids { with_names: true }.check(true).is_ok());
        assert!(ArrayClasses::given(true, false)
            .unwrap()
            .check(true)
            .is_ok());
        let absent = ArrayClasses::given(false, false).unwrap();
        assert!(absent.check(false).is_ok());
        assert!(absent
            .check(true)
            .unwrap_err()
            .to_string()
            .contains("class_name or class_id is required"));
    }
}
