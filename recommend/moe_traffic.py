"""HBM traffic a mixture-of-experts layer moves per routed token copy, outside its GEMMs.

A grouped-GEMM MoE layer does not read its tokens in place: it copies each token's hidden state
once per chosen expert into expert-sorted rows (dispatch / permute) and, after the experts, reads
every expert's output row back to sum the top-k of each token (combine / unpermute). Both are
separate kernels in the engines' MoE paths (TensorRT-LLM's CUTLASS MoE: `expandInputRowsKernel`
writes the permuted rows, `finalizeMoeRoutingKernel` "unpermutes the original data, does the k-way
reduction"; cpp/tensorrt_llm/kernels/cutlass_kernels/moe_kernels.cu), so per routed copy one
hidden-size row of 16-bit activations is written on dispatch and one read on combine:
2 directions x hidden x 2 bytes per MoE layer. The SwiGLU between the expert GEMMs is already in
the roofline's elementwise traffic (3 x intermediate x top_k per token); the router's logits and
top-k (num_experts floats per token) are under 1% of this and left out.
"""

from profiles.models import ModelSpec

ACT_BYTES = 2.0  # 16-bit activations, as recommend/roofline.py
DIRECTIONS = 2  # dispatch write + combine read


def routed_copy_bytes(model: ModelSpec) -> float:
    """Bytes moved per routed copy of one token, summed over the model's MoE layers (0 for dense)."""
    if model.num_experts <= 1:
        return 0.0
    moe_layers = model.num_layers - model.first_dense_layers
    return DIRECTIONS * model.hidden_size * ACT_BYTES * moe_layers
