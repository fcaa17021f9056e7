"""The integer path: int8 graphs (from int8 .tflite files, later from Brevitas) lowered to
integer-only kernels, with a NumPy reference that is the specification the C matches bit for bit.
Arithmetic follows the TFLite int8 specification and TFLite Micro's reference kernels."""
