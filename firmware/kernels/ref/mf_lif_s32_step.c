#include "mf_lif_common.h"

MF_LIF_STEP(, mf_lif_s32_step, int32_t, int64_t, INT32_MIN, INT32_MAX)
