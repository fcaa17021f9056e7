#include "mf_lif_common.h"

MF_LIF_STEP(, mf_lif_s16_step, int16_t, int32_t, INT16_MIN, INT16_MAX)
