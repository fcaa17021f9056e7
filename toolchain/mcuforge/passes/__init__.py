"""Graph passes on Relax, in named, ordered pipelines (passes/pipeline.py)."""

from .pipeline import PIPELINES, run_pipeline

__all__ = ["PIPELINES", "run_pipeline"]
