"""Quantization presets: a few named recipes composed from Brevitas quantizers.

int8: per-channel symmetric int8 weights (narrow range, zero point 0), asymmetric 8-bit
      activations (Brevitas' shifted uint8, i.e. TFLite's int8 with a zero point: q_int8 =
      q_uint8 - 128), int32 biases with scale input_scale * weight_scale. This is exactly the
      TFLite int8 scheme, so the exported graph runs on the same kernels as int8 .tflite files.
"""

from __future__ import annotations

from dataclasses import dataclass

from brevitas.quant import Int8WeightPerChannelFloat, Int32Bias, ShiftedUint8ActPerTensorFloat, Uint8ActPerTensorFloat


@dataclass(frozen=True)
class Preset:
    name: str
    weight_quant: type
    bias_quant: type
    act_quant: type  # activations that can be negative (the input, layer outputs without ReLU)
    relu_quant: type  # activations after a ReLU
    weight_bits: int


PRESETS = {
    "int8": Preset("int8", Int8WeightPerChannelFloat, Int32Bias, ShiftedUint8ActPerTensorFloat,
                   Uint8ActPerTensorFloat, 8),
}
