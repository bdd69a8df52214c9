"""The one version of the truth: the metric catalogue, its calculations, and SPC.

Ask for a figure with `compute` (metrics.answer); the catalogue (metrics.catalogue) declares
every metric once, with its calculation and what it reads."""

from metrics.answer import MetricResult, compute
from metrics.catalogue import CATALOGUE, catalogue_answer
from metrics.metric import Metric, MetricQueryError

__all__ = ["CATALOGUE", "Metric", "MetricQueryError", "MetricResult", "catalogue_answer", "compute"]
