#include "mf_snn_pool_common.h"

MF_SNN_MAXPOOL(mf_snn_maxpool_s32, int32_t)
