#include "mf_snn_pool_common.h"

MF_SNN_MAXPOOL(mf_snn_maxpool_s8, int8_t)
