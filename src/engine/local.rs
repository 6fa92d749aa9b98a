//! The local candle engine: one OS thread owns the model and serves a
//! bounded queue of requests, streaming text back as it is generated.

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use tokio::sync::mpsc;

use super::chat_template::{ChatMessage, ChatTemplate};
use super::model::{self, ModelWeights};
use super::sampling::Sampler;
use super::stream_decoder::StreamDecoder;
use super::tokenizer::ModelTokenizer;
use super::WeightFormat;
use super::{
    EngineError, EngineEvent, EventStream, FinishReason, GenerationRequest, GenerationStats,
    Generator,
};

/// Prompt tokens fed to the model per forward pass, so memory for the
/// attention scores stays bounded on long prompts.
const PREFILL_CHUNK: usize = 256;

/// End-of-turn markers of common chat templates; whichever exist in the
/// vocabulary stop generation, besides the GGUF's eos token.
const END_OF_TURN_TOKENS: [&str; 5] = [
    "<|im_end|>",
    "<|eot_id|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
];

struct Job {
    request: GenerationRequest,
    events: mpsc::UnboundedSender<EngineEvent>,
}

/// A loaded GGUF model behind a bounded queue, served by its own thread.
pub struct LocalEngine {
    jobs: std_mpsc::SyncSender<Job>,
    description: String,
}

/// The parts the worker thread owns.
pub(crate) struct LoadedModel {
    pub(crate) weights: ModelWeights,
    pub(crate) tokenizer: ModelTokenizer,
    pub(crate) template: ChatTemplate,
    pub(crate) device: Device,
    pub(crate) stop_tokens: Vec<u32>,
    pub(crate) description: String,
}

impl LoadedModel {
    /// Reads the GGUF at `path`: weights, tokenizer and chat template
    /// (`template_override` wins over the file's own template).
    pub(crate) fn load(
        path: &Path,
        template_override: Option<&str>,
        format: WeightFormat,
    ) -> Result<Self, EngineError> {
        let open = |path: &Path| {
            std::fs::File::open(path).map_err(|source| EngineError::Open {
                path: path.to_owned(),
                source,
            })
        };
        let mut file = open(path)?;
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
        let converted = match format {
            WeightFormat::Q8_0 => super::requantize::to_q8_0(&content, &mut file)?,
            WeightFormat::AsStored => None,
        };
        let weights = match converted {
            Some((content, mut buffer)) => ModelWeights::load(content, &mut buffer, &device)?,
            None => ModelWeights::load(content, &mut file, &device)?,
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let description = format!(
            "{name} ({arch}, {format:?} weights, {})",
            device_name(&device)
        );
        Ok(Self {
            weights,
            tokenizer,
            template,
            device,
            stop_tokens,
            description,
        })
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
            let text = self.template.render(&messages, true)?;
            let mut ids = Vec::new();
            if self.tokenizer.add_bos_token() {
                if let Some(bos) = self.tokenizer.bos_id() {
                    if !self
                        .tokenizer
                        .bos_token()
                        .is_some_and(|b| text.starts_with(b))
                    {
                        ids.push(bos);
                    }
                }
            }
            ids.extend(self.tokenizer.encode(&text)?);
            let first_dialogue = usize::from(messages.first().is_some_and(|m| m.role == "system"));
            if ids.len() <= budget || messages.len() <= first_dialogue + 1 {
                if ids.len() > budget {
                    return Err(EngineError::PromptTooLong {
                        tokens: ids.len(),
                        budget,
                    });
                }
                return Ok(ids);
            }
            messages.remove(first_dialogue);
        }
    }

    /// Runs one request to completion, sending events as it goes.
    pub(crate) fn generate(
        &mut self,
        request: &GenerationRequest,
        budget: usize,
        mut on_event: impl FnMut(EngineEvent) -> bool,
    ) -> Result<GenerationStats, EngineError> {
        let params = &request.sampling;
        let ids = self.prompt_ids(&request.messages, budget)?;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(params.max_generation_secs.max(1));
        self.weights.clear_kv_cache();
        let mut logits = None;
        let mut pos = 0;
        for chunk in ids.chunks(PREFILL_CHUNK) {
            let input = Tensor::new(chunk, &self.device)?.unsqueeze(0)?;
            logits = Some(self.weights.forward(&input, pos)?);
            pos += chunk.len();
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
            if let Some(text) = decoder.push(&self.tokenizer, next) {
                if !on_event(EngineEvent::Delta(text)) {
                    break;
                }
            }
            let input = Tensor::new(&[next], &self.device)?.unsqueeze(0)?;
            logits = Some(self.weights.forward(&input, pos)?);
            pos += 1;
        }
        if let Some(text) = decoder.finish() {
            on_event(EngineEvent::Delta(text));
        }
        Ok(GenerationStats {
            prompt_tokens: ids.len(),
            generated_tokens: generated.len(),
            prefill_secs,
            decode_secs: decode_started.elapsed().as_secs_f64(),
            finish,
        })
    }
}

fn device_name(device: &Device) -> &'static str {
    match device {
        Device::Cpu => "cpu",
        Device::Cuda(_) => "cuda",
        Device::Metal(_) => "metal",
    }
}

impl LocalEngine {
    /// Loads the model at `path` and starts its thread. `queue_capacity`
    /// requests may wait; `prompt_budget` caps prompt tokens.
    pub fn start(
        path: &Path,
        template_override: Option<&str>,
        format: WeightFormat,
        queue_capacity: usize,
        prompt_budget: usize,
    ) -> Result<Self, EngineError> {
        let mut model = LoadedModel::load(path, template_override, format)?;
        let description = model.description.clone();
        let (jobs, queue) = std_mpsc::sync_channel::<Job>(queue_capacity.max(1));
        std::thread::Builder::new()
            .name("candor-engine".into())
            .spawn(move || engine_task(&mut model, queue, prompt_budget))
            .map_err(|e| EngineError::Load(format!("cannot start the engine thread: {e}")))?;
        Ok(Self { jobs, description })
    }
}

/// The engine thread's loop: one request at a time, until every sender is gone.
fn engine_task(model: &mut LoadedModel, queue: std_mpsc::Receiver<Job>, prompt_budget: usize) {
    while let Ok(job) = queue.recv() {
        let events = job.events;
        let result = model.generate(&job.request, prompt_budget, |event| {
            events.send(event).is_ok()
        });
        let last = match result {
            Ok(stats) => {
                tracing::debug!(
                    prompt_tokens = stats.prompt_tokens,
                    generated_tokens = stats.generated_tokens,
                    prefill_secs = stats.prefill_secs,
                    decode_secs = stats.decode_secs,
                    "generation finished"
                );
                EngineEvent::Done(stats)
            }
            Err(error) => {
                tracing::error!(%error, "generation failed");
                EngineEvent::Failed(error.to_string())
            }
        };
        let _ = events.send(last);
    }
}

impl Generator for LocalEngine {
    fn submit(&self, request: GenerationRequest) -> Result<EventStream, EngineError> {
        let (events, stream) = mpsc::unbounded_channel();
        self.jobs
            .try_send(Job { request, events })
            .map_err(|e| match e {
                std_mpsc::TrySendError::Full(_) => EngineError::Busy,
                std_mpsc::TrySendError::Disconnected(_) => EngineError::Shutdown,
            })?;
        Ok(stream)
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// Direct access to a loaded model for `candor bench` (no thread, no queue).
pub mod bench_access {
    use super::*;

    /// A model loaded on the caller's thread.
    pub struct LoadedModelHandle(LoadedModel);

    impl LoadedModelHandle {
        /// Loads the GGUF at `path` with its own chat template.
        pub fn load(path: &Path, format: WeightFormat) -> Result<Self, EngineError> {
            LoadedModel::load(path, None, format).map(Self)
        }

        /// Model name, architecture and device.
        pub fn description(&self) -> &str {
            &self.0.description
        }

        /// Runs one request to completion, discarding the text.
        pub fn generate(
            &mut self,
            request: &GenerationRequest,
        ) -> Result<GenerationStats, EngineError> {
            self.0.generate(request, usize::MAX, |_| true)
        }
    }
}
