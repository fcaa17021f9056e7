"""Code generation: fused Relax graph -> TVM C kernels + our AOT model.c, with a static memory plan."""
