/* Compiler predefines -> MF_HAVE_* feature flags, in one place.
 *
 * A kernel variant (arm_dsp/, arm_mve/, rvv/, rv32/) includes this header and fails the build with
 * #error when compiled for a core without its extension: the target file's kernels.variants and
 * its -mcpu/-march flags cannot silently disagree.
 */
#ifndef MF_FEATURES_H
#define MF_FEATURES_H

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define MF_HAVE_DSP 1
#else
#define MF_HAVE_DSP 0
#endif

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define MF_HAVE_MVE 1
#else
#define MF_HAVE_MVE 0
#endif

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#define MF_HAVE_MVE_FP 1
#else
#define MF_HAVE_MVE_FP 0
#endif

#if (defined(__ARM_FP) && (__ARM_FP & 4)) || (defined(__riscv_flen) && __riscv_flen >= 32)
#define MF_HAVE_FPU 1
#else
#define MF_HAVE_FPU 0
#endif

/* Scalar half-precision arithmetic (not only conversions). */
#if defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC) || defined(__riscv_zfh)
#define MF_HAVE_FP16 1
#else
#define MF_HAVE_FP16 0
#endif

#if defined(__riscv_vector)
#define MF_HAVE_RVV 1
#else
#define MF_HAVE_RVV 0
#endif

/* A scalar RISC-V core that multiplies (the M extension): the rv32 kernels. */
#if defined(__riscv) && defined(__riscv_mul)
#define MF_HAVE_RISCV_MUL 1
#else
#define MF_HAVE_RISCV_MUL 0
#endif

#if defined(__riscv_zvfh)
#define MF_HAVE_RVV_FP16 1
#else
#define MF_HAVE_RVV_FP16 0
#endif

#endif
