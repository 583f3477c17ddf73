"""Accuracy, macro-F1 and Matthews correlation in one evaluate metric (scikit-learn underneath).

Loaded from its local path, ``evaluate.load(".../sincos_classification")``, so it needs no Hub.
"""

import datasets
import evaluate
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

_DESCRIPTION = """\
Single-label classification scores: accuracy; macro-F1, the unweighted mean of the
per-class F1 over the classes that occur in the references or the predictions (a class
with no true and no predicted rows does not count); and the Matthews correlation
coefficient, which is 0 for a constant prediction and stays honest under class imbalance.
"""

_KWARGS_DESCRIPTION = """\
Args:
    predictions (list of int): predicted class ids.
    references (list of int): true class ids.
Returns:
    accuracy (float), macro_f1 (float), matthews_correlation (float).
Example:
    >>> metric = evaluate.load("hf_sincos_cls/metrics/sincos_classification")
    >>> metric.compute(predictions=[0, 1, 1], references=[0, 1, 0])["accuracy"]
    0.6666666666666666
"""

_CITATION = """\
@article{scikit-learn,
  title={Scikit-learn: Machine Learning in {P}ython},
  author={Pedregosa, F. and others},
  journal={Journal of Machine Learning Research},
  volume={12},
  pages={2825--2830},
  year={2011}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SincosClassification(evaluate.Metric):
    """Accuracy, macro-F1 and Matthews correlation for single-label classification."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html"],
        )

    def _compute(self, predictions, references):
        return {
            "accuracy": float(accuracy_score(references, predictions)),
            # zero_division=0: a class never predicted scores 0 (sklearn's value) without a warning per call.
            "macro_f1": float(f1_score(references, predictions, average="macro", zero_division=0)),
            "matthews_correlation": float(matthews_corrcoef(references, predictions)),
        }
