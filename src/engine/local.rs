//! The local candle engine: one OS thread owns the model and serves a
//! bounded queue of requests, streaming text back as it is generated.
//! llama-family models are served by the continuous-batching scheduler
//! with per-conversation caches; other architectures one request at a time.

use std::path::Path;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use super::load::LoadCounters;
use super::loaded::{Backend, LoadedModel};
use super::scheduler::{self, Inbox, Job, SchedulerSettings, Vocabulary};
use super::EngineSettings;
use super::{
    EngineError, EngineEvent, EngineLoad, EventStream, GenerationRequest, Generator, PromptTap,
};

/// A loaded GGUF model behind a bounded queue, served by its own thread.
pub struct LocalEngine {
    jobs: std_mpsc::SyncSender<Job>,
    forgets: std_mpsc::Sender<String>,
    description: String,
    load: std::sync::Arc<LoadCounters>,
}

impl LocalEngine {
    /// Loads the model at `path` and starts its thread.
    pub fn start(
        path: &Path,
        template_override: Option<&str>,
        settings: &EngineSettings,
    ) -> Result<Self, EngineError> {
        Self::start_with(path, template_override, settings, None)
    }

    /// Like [`Self::start`], sending the token ids of every prompt the
    /// model reads to `tap`.
    pub fn start_tapped(
        path: &Path,
        template_override: Option<&str>,
        settings: &EngineSettings,
        tap: PromptTap,
    ) -> Result<Self, EngineError> {
        Self::start_with(path, template_override, settings, Some(tap))
    }

    fn start_with(
        path: &Path,
        template_override: Option<&str>,
        settings: &EngineSettings,
        tap: Option<PromptTap>,
    ) -> Result<Self, EngineError> {
        let mut model = LoadedModel::load(
            path,
            template_override,
            settings.weights,
            settings.implementation,
            settings.decode_kernel,
        )?;
        if let Some(tap) = tap {
            model.tap_prompts(tap);
        }
        let description = model.description.clone();
        let (jobs, jobs_inbox) = std_mpsc::sync_channel::<Job>(settings.queue_capacity.get());
        let (forgets, forgets_inbox) = std_mpsc::channel::<String>();
        let load = std::sync::Arc::new(LoadCounters::default());
        let inbox = Inbox {
            jobs: jobs_inbox,
            forgets: forgets_inbox,
            load: std::sync::Arc::clone(&load),
        };
        let scheduler = SchedulerSettings {
            max_batch: settings.max_batch.get(),
            prefill_chunk: settings.prefill_chunk.get(),
            prompt_budget: settings.max_prompt_tokens.get(),
            cache_budget_bytes: settings.cache_budget_mib.saturating_mul(1024 * 1024),
            cache_idle: std::time::Duration::from_secs(settings.cache_idle_secs),
            ignore_end_of_turn: settings.ignore_end_of_turn,
        };
        std::thread::Builder::new()
            .name("candor-engine".into())
            .spawn(move || serve(&mut model, inbox, &scheduler))
            .map_err(|e| EngineError::Load(format!("cannot start the engine thread: {e}")))?;
        Ok(Self {
            jobs,
            forgets,
            description,
            load,
        })
    }
}

fn serve(model: &mut LoadedModel, inbox: Inbox, settings: &SchedulerSettings) {
    match &mut model.backend {
        Backend::Own(llama) => {
            let vocabulary = Vocabulary {
                tokenization: &model.tokenization,
                stop_tokens: if settings.ignore_end_of_turn {
                    &[]
                } else {
                    &model.stop_tokens
                },
            };
            scheduler::run(llama, &vocabulary, inbox, settings);
        }
        Backend::Upstream(_) => serve_one_at_a_time(model, &inbox, settings.prompt_budget),
    }
}

/// Architectures without the batched forward: one request at a time.
fn serve_one_at_a_time(model: &mut LoadedModel, inbox: &Inbox, prompt_budget: usize) {
    while let Ok(Job {
        request,
        events,
        queued,
        ..
    }) = inbox.jobs.recv()
    {
        drop(queued);
        inbox.load.stepped(1);
        let result = model.generate(&request, prompt_budget, |event| events.send(event).is_ok());
        let last = match result {
            Ok(stats) => EngineEvent::Done(stats),
            Err(error) => {
                tracing::error!(%error, "generation failed");
                EngineEvent::Failed(error.to_string())
            }
        };
        let _ = events.send(last);
        inbox.load.idle();
    }
}

impl Generator for LocalEngine {
    fn submit(&self, request: GenerationRequest) -> Result<EventStream, EngineError> {
        let (events, stream) = mpsc::unbounded_channel();
        self.jobs
            .try_send(Job {
                request,
                events,
                submitted: std::time::Instant::now(),
                queued: self.load.enqueue(),
            })
            .map_err(|e| match e {
                std_mpsc::TrySendError::Full(_) => EngineError::Busy,
                std_mpsc::TrySendError::Disconnected(_) => EngineError::Shutdown,
            })?;
        Ok(stream)
    }

    fn forget(&self, cache_key: &str) {
        let _ = self.forgets.send(cache_key.to_owned());
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn load(&self) -> EngineLoad {
        self.load.snapshot()
    }
}

/// Direct access to a loaded model for `candor bench` and for tests that
/// compare implementations (no thread, no queue).
pub mod bench_access {
    use super::*;
    use crate::engine::{DecodeKernel, GenerationStats, Implementation, WeightFormat};

    /// A model loaded on the caller's thread.
    pub struct LoadedModelHandle(LoadedModel);

    impl LoadedModelHandle {
        /// Loads the GGUF at `path` with its own chat template.
        pub fn load(path: &Path, format: WeightFormat) -> Result<Self, EngineError> {
            Self::load_with(path, format, Implementation::Own)
        }

        /// Loads the GGUF at `path`, choosing the forward pass.
        pub fn load_with(
            path: &Path,
            format: WeightFormat,
            implementation: Implementation,
        ) -> Result<Self, EngineError> {
            Self::load_with_kernel(path, format, implementation, DecodeKernel::default())
        }

        /// Loads the GGUF at `path`, choosing the forward pass and the
        /// decode kernel.
        pub fn load_with_kernel(
            path: &Path,
            format: WeightFormat,
            implementation: Implementation,
            kernel: DecodeKernel,
        ) -> Result<Self, EngineError> {
            LoadedModel::load(path, None, format, implementation, kernel).map(Self)
        }

        /// From now on, generation runs to `max_new_tokens` past the
        /// end-of-turn token (llama-bench's tg figure does the same), so
        /// every variant measured generates the same number of tokens.
        pub fn ignore_end_of_turn(&mut self) {
            self.0.stop_tokens.clear();
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

        /// Runs one request to completion and returns its text.
        pub fn reply(&mut self, request: &GenerationRequest) -> Result<String, EngineError> {
            let mut text = String::new();
            self.0.generate(request, usize::MAX, |event| {
                if let crate::engine::EngineEvent::Delta(delta) = event {
                    text.push_str(&delta);
                }
                true
            })?;
            Ok(text)
        }

        /// Tokens of a rendered chat.
        pub fn prompt_ids(
            &self,
            messages: &[crate::engine::ChatMessage],
        ) -> Result<Vec<u32>, EngineError> {
            self.0.tokenization.prompt_ids(messages, usize::MAX)
        }

        /// Logits after `tokens`, computed from an empty cache `piece`
        /// tokens per forward pass.
        pub fn logits_after(
            &mut self,
            tokens: &[u32],
            piece: usize,
        ) -> Result<Vec<f32>, EngineError> {
            self.0.logits_after(tokens, piece)
        }
    }
}
