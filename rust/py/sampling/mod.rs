//! PyO3 wrapper of the `sampling` core: `_core.Sampler` reads the validated
//! strategy objects (`strategies`), each prediction as dicts (`dicts`) or
//! numpy arrays (`arrays`), and hands plain data to the core, which applies
//! the SPEC rules and decides.

mod arrays;
mod dicts;
mod strategies;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use self::arrays::{class_name_indices, Classes, Confidence, IdArray};
use crate::py::convert::{expected, is_int};
use crate::sampling::classes::ClassTable;
use crate::sampling::set::StrategySet;
use crate::sampling::task::{ArrayClasses, ClassificationForm, TaskType};
use crate::sampling::{Route, Sampler};

/// Arrays at least this long are evaluated with the GIL released: below it,
/// releasing and re-taking the GIL costs more than the loop itself.
const DETACH_MIN_LEN: usize = 4096;

/// `seed` taken modulo 2**64 (negative ints too), or `None`.
fn parse_seed(seed: Option<&Bound<'_, PyAny>>) -> PyResult<Option<u64>> {
    match seed {
        None => Ok(None),
        Some(s) if s.is_none() => Ok(None),
        Some(s) if is_int(s) => Ok(Some(s.bitand(u64::MAX)?.extract::<u64>()?)),
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
}

#[pymethods]
impl PySampler {
    /// `strategies`: validated strategy objects (`framesieve.config`'s
    /// dataclasses) in config order; none (a disabled config) never matches.
    #[new]
    #[pyo3(signature = (strategies, seed=None, *, class_names=None))]
    fn new(
        strategies: &Bound<'_, PyAny>,
        seed: Option<&Bound<'_, PyAny>>,
        class_names: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let py = strategies.py();
        let specs = strategies::specs(strategies)?;
        let seed = parse_seed(seed)?;
        let core = Sampler::new(&specs, seed);
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
        let is_stub = match prediction.get_item(intern!(py, "is_stub"))? {
            Some(stub) => stub.is_truthy()?,
            None => false,
        };
        // A type name that is not UTF-8 is no type framesieve knows.
        let task = TaskType::of_prediction(kind.to_str().unwrap_or(""), is_stub);
        let matched = match self.core.route(task) {
            Route::RandomOnly => self.core.random_only(),
            Route::Detections => dicts::detections(&self.core, py, prediction)?,
            Route::Classification => {
                match ClassificationForm::of(prediction.contains(intern!(py, "top"))?) {
                    ClassificationForm::MultiClass => {
                        dicts::multi_class(&self.core, py, prediction)?
                    }
                    ClassificationForm::MultiLabel => {
                        dicts::multi_label(&self.core, py, prediction)?
                    }
                }
            }
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
        let kind = match prediction_type.filter(|v| !v.is_none()) {
            None => None,
            Some(v) => Some(
                v.cast::<PyString>()
                    .map_err(|_| expected("prediction_type", "a str", v))?,
            ),
        };
        let task = TaskType::of_arrays(kind.map(|k| k.to_str().unwrap_or("")))?;
        let conf = Confidence::from_arg(confidence)?;
        let n = conf.len();
        let class_name = class_name.filter(|v| !v.is_none());
        let class_id = class_id.filter(|v| !v.is_none());
        let given = ArrayClasses::given(class_name.is_some(), class_id.is_some())?;
        let table = self.core.classes();
        let call_ids = id_table(class_names, table)?;
        let classes = match (class_name, class_id) {
            (Some(names), _) => Classes::Names(class_name_indices(names, n, table)?),
            (None, Some(ids)) => {
                let array = IdArray::from_arg(ids, n)?;
                let lookup = call_ids.as_deref().or(self.ids.as_deref());
                let with_names = lookup.is_some();
                self.core
                    .check_array_classes(task, ArrayClasses::Ids { with_names })?;
                match lookup {
                    Some(lookup) => {
                        array.check_range(lookup.len())?;
                        Classes::Ids(array, lookup)
                    }
                    None => Classes::Unknown,
                }
            }
            (None, None) => {
                self.core.check_array_classes(task, given)?;
                Classes::Unknown
            }
        };
        let matched = match self.core.route(task) {
            Route::RandomOnly => self.core.random_only(),
            _ => arrays::evaluate(py, &self.core, &conf, &classes, n >= DETACH_MIN_LEN)?,
        };
        self.result(py, &matched)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySampler>()
}
