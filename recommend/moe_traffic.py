"""HBM traffic a mixture-of-experts layer moves per routed token copy, outside the expert weights.

A grouped-GEMM MoE layer does not read its tokens in place. TensorRT-LLM's CUTLASS MoE
(cpp/tensorrt_llm/kernels/cutlass_kernels/moe_gemm/moe_kernels.cu; FlashInfer's CUTLASS backend runs the same
kernels) makes four passes over every routed copy of a token's hidden state, each a separate kernel:
  dispatch  `expandInputRowsKernel` writes the copy into expert-sorted rows, in the expert GEMMs'
            input format (NVFP4 / FP8 when they run FP4 / FP8 math, else 16-bit); the first expert
            GEMM reads it back as its A operand;
  combine   the second expert GEMM writes each copy's 16-bit output row, and
            `finalizeMoeRoutingKernel` "unpermutes the original data, does the k-way reduction".
So per routed copy and MoE layer: hidden x (2 x dispatch bytes + 2 x 2 B). The roofline's GEMM term
streams only weights, and its elementwise term covers the SwiGLU between the expert GEMMs
(3 x intermediate x top_k per token); the router's logits and top-k (num_experts floats per token)
are under 1% of this and left out. vLLM's Triton fused_moe gathers the A operand inside the GEMM
(no dispatch write): one pass fewer, not modelled separately.
"""

from profiles.model_spec import ModelSpec

ACT_BYTES = 2.0  # 16-bit activations, as recommend/roofline.py
NVFP4_BYTES = 0.5 + 1 / 16  # E2M1 plus one E4M3 scale per 16 values (recommend/deployment.py WEIGHT_BYTES)


def dispatch_bytes(weights: str, fp8_math: bool, fp4_math: bool) -> float:
    """Bytes per element of a dispatched copy: the expert GEMMs' activation format."""
    if weights == "nvfp4" and fp4_math:
        return NVFP4_BYTES
    return 1.0 if weights == "fp8" and fp8_math else ACT_BYTES


def routed_copy_bytes(model: ModelSpec, dispatch_element_bytes: float = ACT_BYTES) -> float:
    """Bytes moved per routed copy of one token, summed over the model's MoE layers (0 for dense)."""
    if model.num_experts <= 1:
        return 0.0
    return model.expert_layers * model.hidden_size * 2 * (dispatch_element_bytes + ACT_BYTES)
