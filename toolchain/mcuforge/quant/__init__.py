"""Quantization-aware training and post-training calibration with Brevitas, and the export of
a quantized model to the integer IR (integer/graph.py) that the integer backend compiles."""
