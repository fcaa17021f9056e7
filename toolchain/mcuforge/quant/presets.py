"""Quantization presets: a few named recipes composed from Brevitas quantizers.

int8: per-channel symmetric int8 weights (narrow range, zero point 0), asymmetric 8-bit
      activations (Brevitas' shifted uint8, i.e. TFLite's int8 with a zero point: q_int8 =
      q_uint8 - 128), int32 biases with scale input_scale * weight_scale. This is exactly the
      TFLite int8 scheme, so the exported graph runs on the same kernels as int8 .tflite files.
w4a8: the same with int4 weights in [-7, 7] (per-channel scales), stored two per byte.
binary: BinaryConnect-style weights +-1 with a per-channel scale (the mean |w| of the channel),
      stored eight per byte; int8 activations as above.
"""

from __future__ import annotations

from dataclasses import dataclass

from brevitas.core.scaling import ScalingImplType
from brevitas.quant import (Int8WeightPerChannelFloat, Int32Bias, ShiftedUint8ActPerTensorFloat,
                            SignedBinaryWeightPerTensorConst, Uint8ActPerTensorFloat)

Int4WeightPerChannel = Int8WeightPerChannelFloat.let(bit_width=4)
BinaryWeightPerChannel = SignedBinaryWeightPerTensorConst.let(
    scaling_impl_type=ScalingImplType.PARAMETER_FROM_STATS, scaling_stats_op="AVE",
    scaling_per_output_channel=True)


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
    "w4a8": Preset("w4a8", Int4WeightPerChannel, Int32Bias, ShiftedUint8ActPerTensorFloat,
                   Uint8ActPerTensorFloat, 4),
    "binary": Preset("binary", BinaryWeightPerChannel, Int32Bias, ShiftedUint8ActPerTensorFloat,
                     Uint8ActPerTensorFloat, 1),
}
