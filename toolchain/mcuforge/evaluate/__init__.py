"""Reference evaluation on the desktop and on GPUs (`mcuforge eval`): the batched integer
evaluator (integer.py, bit-identical with the device), float models, metrics and reports."""
