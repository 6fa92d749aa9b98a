//! The batched forward pass.

use std::io::{Read, Seek};
use std::sync::OnceLock;

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};

use super::attention::{self, Shape, DENSE_FROM_QUERIES};
use super::attention_loops::{self, Partial};
use super::hyper::Hyper;
use super::rope::Rope;
use super::weights::Weights;
use crate::engine::kv_cache::{KvPrecision, LayerView, SequenceCache};
use crate::engine::{DecodeKernel, EngineError, WeightFormat};

/// One conversation's part of a forward pass: its new tokens, appended to
/// its cache at the positions after what the cache holds.
pub(crate) struct Step<'a> {
    pub(crate) tokens: &'a [u32],
    pub(crate) cache: &'a mut SequenceCache,
    /// Whether the logits after the last token are needed (not for the
    /// middle of a prompt).
    pub(crate) wants_logits: bool,
}

/// A loaded llama-family model.
pub(crate) struct LlamaModel {
    hyper: Hyper,
    weights: Weights,
    rope: Rope,
    cache_precision: KvPrecision,
}

impl LlamaModel {
    /// Reads the weights of `content` (architecture `arch`).
    pub(crate) fn load<R: Read + Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
        arch: &str,
        format: WeightFormat,
        dense_from_rows: usize,
        kernel: DecodeKernel,
    ) -> Result<Self, EngineError> {
        let hyper = Hyper::from_gguf(content, arch)?;
        let weights = Weights::load(content, reader, &hyper, format, dense_from_rows, kernel)?;
        let rope = Rope::new(hyper.rope_dim, hyper.rope_base);
        // f32 weights are the exact reference; every other format keeps
        // keys and values in f16, as llama.cpp does.
        let cache_precision = match format {
            WeightFormat::F32 => KvPrecision::F32,
            WeightFormat::AsStored | WeightFormat::Q8_0 => KvPrecision::F16,
        };
        Ok(Self {
            hyper,
            weights,
            rope,
            cache_precision,
        })
    }

    pub(crate) fn hyper(&self) -> &Hyper {
        &self.hyper
    }

    /// An empty cache for this model.
    pub(crate) fn new_cache(&self) -> SequenceCache {
        SequenceCache::new(self.hyper.layers, self.hyper.kv_dim(), self.cache_precision)
    }

    /// Runs every step's tokens in one pass. Returns, per step, the logits
    /// (`[vocab]`) after its last token when it asked for them.
    pub(crate) fn forward(
        &mut self,
        steps: &mut [Step<'_>],
    ) -> candle_core::Result<Vec<Option<Tensor>>> {
        let cpu = Device::Cpu;
        let h = self.hyper.clone();
        let counts: Vec<usize> = steps.iter().map(|s| s.tokens.len()).collect();
        let total: usize = counts.iter().sum();
        if total == 0 {
            return Ok(steps.iter().map(|_| None).collect());
        }
        let starts: Vec<usize> = steps.iter().map(|s| s.cache.len()).collect();
        let offsets: Vec<usize> = counts
            .iter()
            .scan(0, |row, &n| {
                let first = *row;
                *row += n;
                Some(first)
            })
            .collect();
        let end = starts.iter().zip(&counts).map(|(s, n)| s + n).max();
        self.rope.ensure(end.unwrap_or(0));
        let ids: Vec<u32> = steps
            .iter()
            .flat_map(|s| s.tokens.iter().copied())
            .collect();
        let mut x = rows(
            &self
                .weights
                .embedding
                .embedding(&Tensor::new(ids.as_slice(), &cpu)?)?,
        )?;
        let q_width = h.heads * h.head_dim;
        let kv_dim = h.kv_dim();
        for (layer, block) in self.weights.blocks.iter().enumerate() {
            let normed = tensor(rms_norm(&x, &block.attn_norm, h.rms_eps), total)?;
            let mut qkv = block.qkv.forward(&normed)?.into_iter();
            let (Some(mut q), Some(mut k), Some(v)) = (qkv.next(), qkv.next(), qkv.next()) else {
                candle_core::bail!("query/key/value projection returned too few parts")
            };
            for (s, step) in steps.iter_mut().enumerate() {
                for i in 0..counts[s] {
                    let row = offsets[s] + i;
                    let pos = starts[s] + i;
                    self.rope
                        .apply(&mut q[row * q_width..(row + 1) * q_width], h.head_dim, pos);
                    self.rope
                        .apply(&mut k[row * kv_dim..(row + 1) * kv_dim], h.head_dim, pos);
                }
                let span = offsets[s] * kv_dim..(offsets[s] + counts[s]) * kv_dim;
                step.cache.append(layer, &k[span.clone()], &v[span]);
            }
            let attended = attend(&h, steps, layer, &q, &offsets, &counts, &starts)?;
            add(
                &mut x,
                &rows(&block.wo.forward(&tensor(attended, total)?)?)?,
            );
            let normed = tensor(rms_norm(&x, &block.ffn_norm, h.rms_eps), total)?;
            let mut gate_up = block.gate_up.forward(&normed)?.into_iter();
            let (Some(mut gate), Some(up)) = (gate_up.next(), gate_up.next()) else {
                candle_core::bail!("gate/up projection returned too few parts")
            };
            silu_mul(&mut gate, &up);
            add(&mut x, &rows(&block.down.forward(&tensor(gate, total)?)?)?);
        }
        for step in steps.iter_mut() {
            step.cache.push_tokens(step.tokens);
        }
        let wanted: Vec<usize> = (0..steps.len())
            .filter(|&s| steps[s].wants_logits && counts[s] > 0)
            .collect();
        let mut last_rows = Vec::with_capacity(wanted.len() * h.hidden);
        for &s in &wanted {
            let row = offsets[s] + counts[s] - 1;
            last_rows.extend_from_slice(&x[row * h.hidden..(row + 1) * h.hidden]);
        }
        let mut out: Vec<Option<Tensor>> = steps.iter().map(|_| None).collect();
        if !wanted.is_empty() {
            let normed = tensor(
                rms_norm(&last_rows, &self.weights.output_norm, h.rms_eps),
                wanted.len(),
            )?;
            let logits = self.weights.output.forward(&normed)?;
            for (j, &s) in wanted.iter().enumerate() {
                out[s] = Some(logits.get(j)?);
            }
        }
        Ok(out)
    }
}

/// Positions per part of a key/value head's attention (see [`attend`]).
const POSITIONS_PER_PART: usize = 128;

/// Attention of every step's new tokens over its cache (which already holds
/// them): `[total, heads * head_dim]`.
fn attend(
    h: &Hyper,
    steps: &[Step<'_>],
    layer: usize,
    q: &[f32],
    offsets: &[usize],
    counts: &[usize],
    starts: &[usize],
) -> candle_core::Result<Vec<f32>> {
    let shape = Shape {
        heads: h.heads,
        kv_heads: h.kv_heads,
        head_dim: h.head_dim,
    };
    let q_width = h.heads * h.head_dim;
    let total: usize = counts.iter().sum();
    let mut out = vec![0f32; total * q_width];
    let mut caches = Vec::with_capacity(steps.len());
    for (s, step) in steps.iter().enumerate() {
        match step.cache.layer(layer) {
            Some(view) => caches.push(view),
            None => candle_core::bail!("the cache of sequence {s} has no layer {layer}"),
        }
    }
    let queries = |s: usize| &q[offsets[s] * q_width..(offsets[s] + counts[s]) * q_width];
    // Few-token steps by loops: one item per (step, key/value head, part
    // of the positions), so both threads have work even for one
    // conversation with three key/value heads. The parts depend on the
    // conversation's length only, never on who else is in the batch: the
    // summation order, and so the reply, is the same batched or alone.
    let mut small = Vec::new();
    for s in 0..steps.len() {
        if counts[s] >= DENSE_FROM_QUERIES {
            let dense = match &caches[s] {
                LayerView::F16(kv) => attention::all_heads_dense(shape, queries(s), kv, starts[s]),
                LayerView::F32(kv) => attention::all_heads_dense(shape, queries(s), kv, starts[s]),
            }?;
            out[offsets[s] * q_width..(offsets[s] + counts[s]) * q_width].copy_from_slice(&dense);
        } else if counts[s] > 0 {
            small.push(s);
        }
    }
    // Items to compute (step, key/value head, positions), and per step and
    // key/value head the items to merge.
    let mut items = Vec::new();
    let mut merges = Vec::new();
    for &s in &small {
        for kv_head in 0..h.kv_heads {
            let first = items.len();
            let seen = starts[s] + counts[s];
            for positions in
                attention_loops::position_parts(seen, seen.div_ceil(POSITIONS_PER_PART))
            {
                items.push((s, kv_head, positions));
            }
            merges.push((s, kv_head, first..items.len()));
        }
    }
    // candle's own worker pool, the one its matrix products use: a second
    // pool would fight it for the same cores.
    let partials: Vec<OnceLock<Partial>> = items.iter().map(|_| OnceLock::new()).collect();
    candle_core::utils::barrier_pool().execute_chunked(items.len(), |range| {
        for item in range {
            let (s, kv_head, positions) = items[item].clone();
            let (query, start) = (queries(s), starts[s]);
            let partial = match &caches[s] {
                LayerView::F16(kv) => {
                    attention_loops::kv_head_partial(shape, kv_head, query, kv, start, positions)
                }
                LayerView::F32(kv) => {
                    attention_loops::kv_head_partial(shape, kv_head, query, kv, start, positions)
                }
            };
            let _ = partials[item].set(partial);
        }
    });
    for (s, kv_head, ids) in merges {
        let Some(done) = partials[ids]
            .iter()
            .map(OnceLock::get)
            .collect::<Option<Vec<_>>>()
        else {
            candle_core::bail!(
                "attention of key/value head {kv_head} of sequence {s} was not computed"
            )
        };
        let rows = offsets[s] * q_width..(offsets[s] + counts[s]) * q_width;
        attention_loops::merge_into(shape, kv_head, &done, &mut out[rows]);
    }
    Ok(out)
}

fn rows(t: &Tensor) -> candle_core::Result<Vec<f32>> {
    t.flatten_all()?.to_vec1::<f32>()
}

fn tensor(values: Vec<f32>, rows: usize) -> candle_core::Result<Tensor> {
    let width = values.len() / rows.max(1);
    Tensor::from_vec(values, (rows, width), &Device::Cpu)
}

fn rms_norm(x: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
    let width = weight.len();
    let mut out = Vec::with_capacity(x.len());
    for row in x.chunks_exact(width) {
        let mean_square = row.iter().map(|v| v * v).sum::<f32>() / width as f32;
        let scale = 1.0 / (mean_square + eps).sqrt();
        out.extend(row.iter().zip(weight).map(|(v, w)| v * scale * w));
    }
    out
}

fn add(x: &mut [f32], delta: &[f32]) {
    for (a, b) in x.iter_mut().zip(delta) {
        *a += b;
    }
}

fn silu_mul(gate: &mut [f32], up: &[f32]) {
    for (g, u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + (-*g).exp()) * u;
    }
}
