"""The one version of the truth: the metric catalogue, its calculations, and SPC."""

from metrics.catalogue import CATALOGUE, Metric, catalogue_answer
from metrics.engine import MetricResult, compute
from metrics.query import MetricQueryError

__all__ = ["CATALOGUE", "Metric", "MetricQueryError", "MetricResult", "catalogue_answer", "compute"]
