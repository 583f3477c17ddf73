"""Pearson and Spearman correlation in one evaluate metric (SciPy underneath).

Loaded from its local path, ``evaluate.load(".../sincos_regression")``, so it needs no Hub.
"""

import datasets
import evaluate
from scipy.stats import pearsonr, spearmanr

_DESCRIPTION = """\
Regression scores as GLUE reports them for STS-B: the Pearson correlation (linear) and the
Spearman rank correlation between predictions and references. Both are NaN when either
side is constant, where a correlation is undefined.
"""

_KWARGS_DESCRIPTION = """\
Args:
    predictions (list of float): predicted values.
    references (list of float): true values.
Returns:
    pearson (float), spearmanr (float).
Example:
    >>> metric = evaluate.load("hf_sincos_cls/metrics/sincos_regression")
    >>> metric.compute(predictions=[0.0, 1.0, 2.0], references=[0.0, 2.0, 4.0])["pearson"]
    1.0
"""

_CITATION = """\
@article{2020SciPy-NMeth,
  title={{SciPy} 1.0: Fundamental Algorithms for Scientific Computing in Python},
  author={Virtanen, Pauli and others},
  journal={Nature Methods},
  volume={17},
  pages={261--272},
  year={2020}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SincosRegression(evaluate.Metric):
    """Pearson and Spearman correlation for regression."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("float32"), "references": datasets.Value("float32")}
            ),
            reference_urls=["https://docs.scipy.org/doc/scipy/reference/stats.html"],
        )

    def _compute(self, predictions, references):
        # GLUE's key names, so metric_for_best_model reads the same with either metric.
        return {
            "pearson": float(pearsonr(references, predictions)[0]),
            "spearmanr": float(spearmanr(references, predictions)[0]),
        }
