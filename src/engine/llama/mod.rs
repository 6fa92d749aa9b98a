//! Candor's own forward pass for llama-family models (Llama 2/3, Mistral,
//! SmolLM/SmolLM2), written for serving: one pass runs the new tokens of
//! many conversations at once, each against its own key/value cache.
//!
//! The matrix products go through candle's quantized kernels over all the
//! batch's tokens together (that is where batching pays: the weights are
//! read once per step, not once per conversation); attention, rotary
//! embeddings and the element-wise work run per conversation on plain
//! slices, where candle's per-op overhead would dominate at one token.

mod attention;
mod attention_loops;
mod forward;
mod hyper;
mod linear;
mod rope;
mod weights;

pub(crate) use forward::{LlamaModel, Step};
