"""Frontends: a model file (PyTorch factory or .pt2, ONNX, float .tflite) -> one Relax IRModule
with its weights bound as constants, plus a reference implementation to check against."""

from .model import ImportedModel, TensorSpec, load_model

__all__ = ["ImportedModel", "TensorSpec", "load_model"]
