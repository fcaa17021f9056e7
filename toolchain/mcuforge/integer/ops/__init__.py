"""One module per int8 op: `from_tflite` prepares its parameters from a TFLite operator,
`reference` computes it in NumPy (the bit-exact specification), `c_call` binds the C kernel."""

from . import add, avg_pool2d, conv2d, depthwise_conv2d, fully_connected, max_pool2d, reshape, softmax

OPS = {m.__name__.rsplit(".", 1)[1]: m for m in (conv2d, depthwise_conv2d, fully_connected,
                                                   avg_pool2d, max_pool2d, add, softmax, reshape)}
# TFLite builtin operator -> op module
TFLITE = {"CONV_2D": conv2d, "DEPTHWISE_CONV_2D": depthwise_conv2d, "FULLY_CONNECTED": fully_connected,
          "AVERAGE_POOL_2D": avg_pool2d, "MAX_POOL_2D": max_pool2d, "ADD": add, "SOFTMAX": softmax, "RESHAPE": reshape}
