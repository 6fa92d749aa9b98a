//! A GGUF read into memory: weights, tokenizer and chat template.

use std::path::Path;
use std::time::{Duration, Instant};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};

use super::chat_template::{ChatMessage, ChatTemplate};
use super::llama::{LlamaModel, Step};
use super::model::{self, ModelWeights};
use super::prompt_encoding::encode_chat;
use super::sampling::Sampler;
use super::stream_decoder::StreamDecoder;
use super::tokenizer::ModelTokenizer;
use super::{DecodeKernel, Implementation, WeightFormat};
use super::{EngineError, EngineEvent, FinishReason, GenerationRequest, GenerationStats};

/// Prompt tokens per forward pass when one request runs alone (the
/// scheduler has its own, smaller slice so others' tokens keep flowing).
const PREFILL_CHUNK: usize = 512;

/// Rows from which products use the weights expanded to f32 (prompt
/// chunks; see `llama::linear`).
pub(crate) const DENSE_FROM_ROWS: usize = 64;

/// End-of-turn markers of common chat templates; whichever exist in the
/// vocabulary stop generation, besides the GGUF's eos token.
const END_OF_TURN_TOKENS: [&str; 5] = [
    "<|im_end|>",
    "<|eot_id|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
];

/// Chat messages to token ids.
pub(crate) struct Tokenization {
    tokenizer: ModelTokenizer,
    template: ChatTemplate,
    /// Receives a copy of every prompt's ids (see [`super::PromptTap`]).
    tap: Option<super::PromptTap>,
}

impl Tokenization {
    pub(crate) fn tokenizer(&self) -> &ModelTokenizer {
        &self.tokenizer
    }

    /// Renders and tokenizes `messages`, dropping the oldest non-system turns
    /// until the prompt fits `budget` tokens.
    pub(crate) fn prompt_ids(
        &self,
        messages: &[ChatMessage],
        budget: usize,
    ) -> Result<Vec<u32>, EngineError> {
        let mut messages = messages.to_vec();
        loop {
            let ids = encode_chat(&self.template, &self.tokenizer, &messages, true)?;
            let first_dialogue = usize::from(messages.first().is_some_and(|m| m.role == "system"));
            if ids.len() <= budget || messages.len() <= first_dialogue + 1 {
                if ids.len() > budget {
                    return Err(EngineError::PromptTooLong {
                        tokens: ids.len(),
                        budget,
                    });
                }
                if let Some(tap) = &self.tap {
                    let _ = tap.send(ids.clone());
                }
                return Ok(ids);
            }
            messages.remove(first_dialogue);
        }
    }

    /// How many leading tokens of `prompt` belong to its system message
    /// (0 without one): the part conversations of a shop share.
    pub(crate) fn system_prefix_len(
        &self,
        messages: &[ChatMessage],
        prompt: &[u32],
    ) -> Result<usize, EngineError> {
        let Some(system) = messages.first().filter(|m| m.role == "system") else {
            return Ok(0);
        };
        let alone = encode_chat(
            &self.template,
            &self.tokenizer,
            std::slice::from_ref(system),
            false,
        )?;
        Ok(super::kv_cache::common_prefix(&alone, prompt))
    }
}

/// The weights, run by Candor's own batched forward (llama family) or by
/// candle-transformers' single-sequence models (other architectures).
pub(crate) enum Backend {
    Own(LlamaModel),
    Upstream(ModelWeights),
}

/// Everything loaded from a GGUF.
pub(crate) struct LoadedModel {
    pub(crate) backend: Backend,
    pub(crate) tokenization: Tokenization,
    pub(crate) stop_tokens: Vec<u32>,
    pub(crate) description: String,
    device: Device,
}

impl LoadedModel {
    /// Reads the GGUF at `path`: weights, tokenizer and chat template
    /// (`template_override` wins over the file's own template).
    pub(crate) fn load(
        path: &Path,
        template_override: Option<&str>,
        format: WeightFormat,
        implementation: Implementation,
        kernel: DecodeKernel,
    ) -> Result<Self, EngineError> {
        let mut file = std::fs::File::open(path).map_err(|source| EngineError::Open {
            path: path.to_owned(),
            source,
        })?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| EngineError::Load(format!("not a readable GGUF file: {e}")))?;
        let arch = model::architecture(&content)?;
        let tokenizer = ModelTokenizer::from_gguf(&content)?;
        let template = ChatTemplate::from_gguf(
            &content,
            template_override,
            tokenizer.bos_token().unwrap_or(""),
            tokenizer.eos_token(),
        )?;
        let mut stop_tokens = vec![tokenizer.eos_id()];
        stop_tokens.extend(
            END_OF_TURN_TOKENS
                .iter()
                .filter_map(|t| tokenizer.token_id(t)),
        );
        stop_tokens.dedup();
        let device = model::device()?;
        let own = implementation == Implementation::Own
            && matches!(device, Device::Cpu)
            && matches!(arch.as_str(), "llama" | "mistral");
        let backend = if own {
            Backend::Own(LlamaModel::load(
                &content,
                &mut file,
                &arch,
                format,
                DENSE_FROM_ROWS,
                kernel,
            )?)
        } else {
            let converted = super::requantize::converted(&content, &mut file, format)?;
            Backend::Upstream(match converted {
                Some((content, mut buffer)) => ModelWeights::load(content, &mut buffer, &device)?,
                None => ModelWeights::load(content, &mut file, &device)?,
            })
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let runner = match backend {
            Backend::Own(_) => "batched",
            Backend::Upstream(_) => "one request at a time",
        };
        let kernel_name = match (&backend, kernel) {
            (Backend::Own(_), DecodeKernel::Own) if super::kernels::has_simd() => {
                "own decode kernel"
            }
            _ => "candle decode kernel",
        };
        let description = format!(
            "{name} ({arch}, {format:?} weights, {kernel_name}, {}, {runner})",
            device_name(&device)
        );
        Ok(Self {
            backend,
            tokenization: Tokenization {
                tokenizer,
                template,
                tap: None,
            },
            stop_tokens,
            description,
            device,
        })
    }

    /// Sends a copy of every prompt's token ids to `tap` from now on.
    pub(crate) fn tap_prompts(&mut self, tap: super::PromptTap) {
        self.tokenization.tap = Some(tap);
    }

    /// Runs one request to completion on its own, sending events as it goes
    /// (the path of architectures without batching, and of the benchmark).
    pub(crate) fn generate(
        &mut self,
        request: &GenerationRequest,
        budget: usize,
        mut on_event: impl FnMut(EngineEvent) -> bool,
    ) -> Result<GenerationStats, EngineError> {
        let params = &request.sampling;
        let ids = self.tokenization.prompt_ids(&request.messages, budget)?;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(params.max_generation_secs.max(1));
        let mut runner = SoloRunner::new(&mut self.backend, self.device.clone());
        let mut logits = None;
        for chunk in ids.chunks(PREFILL_CHUNK) {
            logits = Some(runner.run(chunk)?);
        }
        let prefill_secs = started.elapsed().as_secs_f64();
        let decode_started = Instant::now();
        let mut sampler = Sampler::new(params);
        let mut decoder = StreamDecoder::new();
        let mut generated: Vec<u32> = Vec::new();
        let mut finish = FinishReason::Length;
        while let Some(current) = logits.take() {
            if generated.len() >= params.max_new_tokens {
                break;
            }
            if Instant::now() >= deadline {
                finish = FinishReason::Timeout;
                break;
            }
            let next = sampler.next(&current.flatten_all()?, &generated)?;
            if self.stop_tokens.contains(&next) {
                finish = FinishReason::Stop;
                break;
            }
            generated.push(next);
            if let Some(text) = decoder.push(self.tokenization.tokenizer(), next) {
                if !on_event(EngineEvent::Delta(text)) {
                    break;
                }
            }
            logits = Some(runner.run(&[next])?);
        }
        if let Some(text) = decoder.finish() {
            on_event(EngineEvent::Delta(text));
        }
        Ok(GenerationStats {
            prompt_tokens: ids.len(),
            cached_prompt_tokens: 0,
            generated_tokens: generated.len(),
            prefill_secs,
            decode_secs: decode_started.elapsed().as_secs_f64(),
            finish,
        })
    }

    /// Logits after `tokens`, computed from scratch `piece` tokens per
    /// forward pass (for comparisons).
    pub(crate) fn logits_after(
        &mut self,
        tokens: &[u32],
        piece: usize,
    ) -> Result<Vec<f32>, EngineError> {
        let mut runner = SoloRunner::new(&mut self.backend, self.device.clone());
        let mut logits = None;
        for chunk in tokens.chunks(piece.max(1)) {
            logits = Some(runner.run(chunk)?);
        }
        let logits = logits.ok_or_else(|| EngineError::Load("no tokens".into()))?;
        Ok(logits.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// One sequence through either backend, from position 0.
struct SoloRunner<'a> {
    backend: &'a mut Backend,
    device: Device,
    cache: Option<super::kv_cache::SequenceCache>,
    pos: usize,
}

impl<'a> SoloRunner<'a> {
    fn new(backend: &'a mut Backend, device: Device) -> Self {
        let cache = match backend {
            Backend::Own(model) => Some(model.new_cache()),
            Backend::Upstream(weights) => {
                weights.clear_kv_cache();
                None
            }
        };
        Self {
            backend,
            device,
            cache,
            pos: 0,
        }
    }

    fn run(&mut self, tokens: &[u32]) -> Result<Tensor, EngineError> {
        let logits = match (&mut *self.backend, &mut self.cache) {
            (Backend::Own(model), Some(cache)) => {
                let mut steps = [Step {
                    tokens,
                    cache,
                    wants_logits: true,
                }];
                model
                    .forward(&mut steps)?
                    .pop()
                    .flatten()
                    .ok_or_else(|| EngineError::Load("no logits".into()))?
            }
            (Backend::Upstream(weights), _) => {
                let input = Tensor::new(tokens, &self.device)?.unsqueeze(0)?;
                weights.forward(&input, self.pos)?
            }
            (Backend::Own(_), None) => return Err(EngineError::Load("missing cache".into())),
        };
        self.pos += tokens.len();
        Ok(logits)
    }
}

fn device_name(device: &Device) -> &'static str {
    match device {
        Device::Cpu => "cpu",
        Device::Cuda(_) => "cuda",
        Device::Metal(_) => "metal",
    }
}
