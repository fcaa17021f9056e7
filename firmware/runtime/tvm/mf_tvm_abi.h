/* The part of TVM's C ABI that TVM-generated kernels use, for a microcontroller without
 * libtvm_runtime: DLPack tensors, the TVM-FFI packed-call argument, the two workspace hooks
 * (implemented over the static arena in model.c) and the libm functions TVM may call (from
 * picolibc). Layouts follow dlpack/dlpack.h and tvm/ffi/c_api.h of apache-tvm-ffi 0.1.15. */
#ifndef MF_TVM_ABI_H
#define MF_TVM_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TVM_EXPORTS
#define TVM_DLL

typedef struct {
    int32_t device_type; /* kDLCPU = 1 */
    int32_t device_id;
} DLDevice;

typedef struct {
    uint8_t code; /* kDLInt = 0, kDLUInt = 1, kDLFloat = 2 */
    uint8_t bits;
    uint16_t lanes;
} DLDataType;

typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape;
    int64_t *strides;
    uint64_t byte_offset;
} DLTensor;

typedef struct {
    int32_t type_index; /* kTVMFFIDLTensorPtr = 7: v_ptr is a DLTensor* */
    union {
        uint32_t zero_padding;
        uint32_t small_str_len;
    };
    union {
        int64_t v_int64;
        double v_float64;
        void *v_ptr;
        const char *v_c_str;
        uint64_t v_uint64;
    };
} TVMFFIAny;

enum { kTVMFFIDLTensorPtr = 7 };

void *TVMBackendAllocWorkspace(int device_type, int device_id, uint64_t nbytes, int dtype_code_hint,
                               int dtype_bits_hint);
int TVMBackendFreeWorkspace(int device_type, int device_id, void *ptr);

#if defined(__FLT16_MAX__) /* fp16 models need it; GCC lacks _Float16 on cores without fp16 */
typedef _Float16 half;
#endif

/* libm (picolibc) */
float expf(float);
float logf(float);
float log2f(float);
float log10f(float);
float sqrtf(float);
float powf(float, float);
float tanhf(float);
float erff(float);
float sinf(float);
float cosf(float);
float tanf(float);
float atanf(float);
float fabsf(float);
float floorf(float);
float ceilf(float);
float roundf(float);
float truncf(float);
float nearbyintf(float);
float fmaxf(float, float);
float fminf(float, float);
float fmodf(float, float);
double exp(double);
double log(double);
double sqrt(double);
double pow(double, double);
double tanh(double);
double fabs(double);
double floor(double);
double ceil(double);
double round(double);

#endif
