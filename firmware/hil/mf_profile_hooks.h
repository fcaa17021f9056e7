/* Per-layer hooks of the HIL firmware for the generated model.c (built with -DMF_PROFILE_HOOKS):
 * each layer is timed with the board's cycle counter and bracketed by the benchmark markers. */
#ifndef MF_PROFILE_HOOKS_H
#define MF_PROFILE_HOOKS_H

void mf_hil_layer_start(void);
void mf_hil_layer_stop(void);

#define MF_PROFILE_START() mf_hil_layer_start()
#define MF_PROFILE_STOP() mf_hil_layer_stop()

#endif
