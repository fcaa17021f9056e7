"""What the integer backend cannot express is refused at export, naming the layer and setting."""

from __future__ import annotations

import brevitas.nn as qnn
import pytest
import torch
from brevitas.quant import Int32Bias, ShiftedUint8ActPerTensorFloat, ShiftedUint8WeightPerTensorFloat
from torch import nn

from mcuforge.errors import ModelError
from mcuforge.quant.export import export_sequential
from mcuforge.quant.presets import PRESETS
from mcuforge.quant.qat import quantize_sequential


def _input():
    return qnn.QuantIdentity(act_quant=ShiftedUint8ActPerTensorFloat, return_quant_tensor=True)


def test_asymmetric_weights():
    model = nn.Sequential(_input(), qnn.QuantLinear(8, 4, weight_quant=ShiftedUint8WeightPerTensorFloat,
                                                    bias_quant=Int32Bias, return_quant_tensor=True),
                          qnn.QuantReLU(return_quant_tensor=True))
    with pytest.raises(ModelError, match=r"layer 1 \(QuantLinear\): asymmetric weights"):
        export_sequential(model, torch.randn(1, 8))


def test_float_op_left_inside_the_int8_region():
    model = nn.Sequential(_input(), qnn.QuantLinear(8, 4, return_quant_tensor=True), nn.Sigmoid())
    with pytest.raises(ModelError, match=r"layer 1 \(QuantLinear\) is not followed by an activation quantizer"):
        export_sequential(model, torch.randn(1, 8))


def test_activations_narrower_than_8_bits():
    model = nn.Sequential(_input(), qnn.QuantLinear(8, 4, return_quant_tensor=True),
                          qnn.QuantReLU(bit_width=4, return_quant_tensor=True))
    with pytest.raises(ModelError, match=r"layer 2 \(QuantReLU\): 4-bit activations"):
        export_sequential(model, torch.randn(1, 8))


def test_layer_without_integer_kernel_is_named():
    with pytest.raises(ModelError, match=r"layer 1 \(Tanh\) has no integer kernel"):
        quantize_sequential(nn.Sequential(nn.Linear(4, 4), nn.Tanh()), PRESETS["int8"])


def test_per_channel_activation_scales():
    per_channel = ShiftedUint8ActPerTensorFloat.let(scaling_per_output_channel=True, per_channel_broadcastable_shape=(1, 8),
                                                    scaling_stats_permute_dims=(1, 0))
    model = nn.Sequential(qnn.QuantIdentity(act_quant=per_channel, return_quant_tensor=True),
                          qnn.QuantLinear(8, 4), qnn.QuantReLU(return_quant_tensor=True))
    model[0].train()
    model[0](torch.randn(16, 8))  # collect per-channel statistics
    with pytest.raises(ModelError, match=r"layer 0 \(QuantIdentity\): per-channel activation scales"):
        export_sequential(model, torch.randn(1, 8))
