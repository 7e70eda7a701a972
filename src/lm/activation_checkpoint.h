// Activation checkpointing for training: run a decoder layer without keeping its intermediate
// activations, and recompute them during backward (what torch.utils.checkpoint does, reentrant).
//
// Contract. CheckpointLayer(fn, x) returns fn(x). When grad mode is on, the forward runs under
// NoGradGuard and saves only x; backward re-enables grad, reruns fn on a detached copy of x that
// requires grad (with the forward's CUDA autocast state), backpropagates the incoming gradient
// through it — so the parameters fn uses (including non-leaf weights such as LoRA's W0 + s·B·A)
// accumulate their gradients as usual — and returns x's gradient. fn must be deterministic (no
// dropout or other random draws: the recomputation would draw differently) and must not touch a
// KV cache. With grad mode off it simply calls fn. Peak memory drops from every layer's
// activations to one layer's plus each layer's input; compute rises by one extra forward.
#pragma once

#include <torch/types.h>

#include <functional>

namespace ilf::lm {

using LayerFn = std::function<torch::Tensor(const torch::Tensor&)>;

// fn(x) with activations recomputed in backward (see above). x [..]; returns fn's output.
torch::Tensor CheckpointLayer(LayerFn fn, const torch::Tensor& x);

}  // namespace ilf::lm
