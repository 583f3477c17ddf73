"""Micro-F1, macro-F1 and subset accuracy for multi-label classification in one evaluate metric
(scikit-learn underneath).

Loaded from its local path, ``evaluate.load(".../sincos_multi_label")``, so it needs no Hub.
"""

import datasets
import evaluate
from sklearn.metrics import accuracy_score, f1_score

_DESCRIPTION = """\
Multi-label scores over rows of 0/1 decisions, one column per label: micro-F1, the F1 of every
(row, label) decision pooled; macro-F1, the unweighted mean of the per-label F1 (a label with
no true and no predicted rows scores 0); and subset accuracy, the share of rows whose whole
label set is predicted exactly.
"""

_KWARGS_DESCRIPTION = """\
Args:
    predictions (list of list of int): 0/1 decisions, one row per text and one column per label.
    references (list of list of int): true 0/1 labels, the same shape.
Returns:
    micro_f1 (float), macro_f1 (float), subset_accuracy (float).
Example:
    >>> metric = evaluate.load("hf_sincos_cls/metrics/sincos_multi_label")
    >>> metric.compute(predictions=[[1, 0], [1, 1]], references=[[1, 0], [0, 1]])["subset_accuracy"]
    0.5
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
class SincosMultiLabel(evaluate.Metric):
    """Micro-F1, macro-F1 and subset accuracy for multi-label classification."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("int64")),
                "references": datasets.Sequence(datasets.Value("int64")),
            }),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html#multilabel-ranking-metrics"],
        )

    def _compute(self, predictions, references):
        return {
            "micro_f1": float(f1_score(references, predictions, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(references, predictions, average="macro", zero_division=0)),
            # sklearn's accuracy of 0/1 rows is subset accuracy: a row counts only when all of it is right.
            "subset_accuracy": float(accuracy_score(references, predictions)),
        }
