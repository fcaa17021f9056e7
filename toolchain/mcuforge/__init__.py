"""mcuforge: neural networks to Cortex-M and RISC-V microcontrollers, checked on simulated cores."""

__version__ = "0.1.0"
