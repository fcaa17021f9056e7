/* Common to the portable reference (ref/) on-device-learning templates.
 *
 * Each mf_odl_<op>_<suffix>.c defines
 *     T    the storage type (float or mf_odl_f16)
 *     ACC  the type products and sums are computed in (conv2d, depthwise, linear only):
 *          float for _f32 and _f16_acc32, mf_odl_f16 for _f16
 *     S    the suffix (f32, f16, f16_acc32)
 * and includes its op's template, which writes every loop nest once.
 *
 * Rounding, the same on every target (the host's clang, Cortex-M, RISC-V):
 *  - Every product and every sum is its own statement assigned to a variable of type ACC or T,
 *    and floating-point contraction is off below: no multiply-add is fused into one rounding
 *    (clang contracts `acc += a * b` within one expression by default: into VFMA.F32 on
 *    Cortex-M55 and fmadd.s on RISC-V, but not on the host's x86-64 baseline, so the fp32
 *    results would differ between the host and the MCU targets). An ISA variant therefore
 *    multiplies and adds separately (VMUL + VADD, vfmul + vfadd), never VFMA / vfmacc.
 *  - For _Float16, clang computes in float where the core has no fp16 arithmetic (the host,
 *    Cortex-M4/M7) and keeps that excess precision within an expression; an assignment or cast
 *    rounds it to fp16. With one operation per statement every product and sum is rounded to
 *    fp16 on its own, and a single fp16 add, multiply or divide computed in float and then
 *    rounded is the correctly rounded fp16 result (float has more than 2 * 11 + 2 bits): the
 *    same bits as the cores that have fp16 arithmetic (Cortex-M55, Zfh). */
#ifndef MF_ODL_REF_H
#define MF_ODL_REF_H

#include "mf_odl.h"
#include "mf_odl_window.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define MF_ODL_CAT_(a, b) a##b
#define MF_ODL_CAT(a, b) MF_ODL_CAT_(a, b)
/* MF_ODL_FN(mf_odl_conv2d_fw_) -> mf_odl_conv2d_fw_f32 (the suffix S) */
#define MF_ODL_FN(prefix) MF_ODL_CAT(prefix, S)

#endif
