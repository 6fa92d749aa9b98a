//! Continuous batching: every step runs one forward pass over all active
//! conversations — one new token for each that is generating, and a slice
//! of prompt for those still reading theirs (so a long prompt never stalls
//! the others' tokens for more than one slice). New requests join between
//! steps; finished ones leave their cache behind for the next turn.

use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::cache_store::CacheStore;
use super::kv_cache::{common_prefix, SequenceCache};
use super::llama::{LlamaModel, Step};
use super::load::{LoadCounters, QueueTicket};
use super::loaded::Tokenization;
use super::sampling::Sampler;
use super::stream_decoder::StreamDecoder;
use super::{EngineError, EngineEvent, FinishReason, GenerationRequest, GenerationStats};

/// A request and where its events go.
pub(crate) struct Job {
    pub(crate) request: GenerationRequest,
    pub(crate) events: mpsc::UnboundedSender<EngineEvent>,
    /// When the request was queued: an erasure after it means its
    /// conversation's cache must not be kept.
    pub(crate) submitted: Instant,
    /// Counts the job as queued until the engine takes it.
    pub(crate) queued: QueueTicket,
}

/// The engine thread's inboxes: bounded generation requests (a full queue
/// is an honest "busy"), and unbounded requests to drop a conversation's
/// cache (an erasure never waits for room).
pub(crate) struct Inbox {
    pub(crate) jobs: std_mpsc::Receiver<Job>,
    pub(crate) forgets: std_mpsc::Receiver<String>,
    /// Where the engine reports its batch sizes (`/metrics`).
    pub(crate) load: std::sync::Arc<LoadCounters>,
}

/// How often an idle engine wakes to drop expired or erased caches.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Limits of the scheduler.
#[derive(Debug, Clone)]
pub(crate) struct SchedulerSettings {
    /// Conversations generating at once.
    pub(crate) max_batch: usize,
    /// Prompt tokens per step, across all conversations.
    pub(crate) prefill_chunk: usize,
    /// Cap on prompt tokens.
    pub(crate) prompt_budget: usize,
    /// Memory for caches of idle conversations and shared prefixes.
    pub(crate) cache_budget_bytes: usize,
    /// Idle time after which a conversation's cache is dropped.
    pub(crate) cache_idle: Duration,
    /// Generate up to each reply's cap whatever the model says (benchmarks).
    pub(crate) ignore_end_of_turn: bool,
}

/// System prompts shorter than this are not worth sharing.
const MIN_SHARED_TOKENS: usize = 16;

/// One conversation being served.
struct Active {
    events: mpsc::UnboundedSender<EngineEvent>,
    key: Option<String>,
    max_new_tokens: usize,
    prompt: Vec<u32>,
    cached_tokens: usize,
    /// Where to turn the cache into a shared prefix (end of system prompt).
    share_at: Option<usize>,
    cache: SequenceCache,
    sampler: Sampler,
    decoder: StreamDecoder,
    generated: Vec<u32>,
    next_input: Option<u32>,
    admitted: Instant,
    deadline: Instant,
    prefill_secs: Option<f64>,
    finish: Option<FinishReason>,
}

impl Active {
    fn reading_prompt(&self) -> bool {
        self.cache.len() < self.prompt.len()
    }
}

/// The parts the scheduler needs besides the model.
pub(crate) struct Vocabulary<'a> {
    pub(crate) tokenization: &'a Tokenization,
    pub(crate) stop_tokens: &'a [u32],
}

/// Serves the inbox until every job sender is gone.
pub(crate) fn run(
    model: &mut LlamaModel,
    vocabulary: &Vocabulary<'_>,
    inbox: Inbox,
    settings: &SchedulerSettings,
) {
    let mut store = CacheStore::new(settings.cache_budget_bytes, settings.cache_idle);
    let mut active: Vec<Active> = Vec::new();
    loop {
        while let Ok(key) = inbox.forgets.try_recv() {
            let dropped = store.erase(&key);
            // A reply being generated keeps nothing of the conversation.
            for seq in active
                .iter_mut()
                .filter(|seq| seq.key.as_deref() == Some(&key))
            {
                seq.key = None;
                seq.share_at = None;
            }
            tracing::debug!(dropped, "conversation caches dropped on erasure");
        }
        store.expire();
        if active.is_empty() {
            inbox.load.idle();
            match inbox.jobs.recv_timeout(IDLE_POLL) {
                Ok(job) => admit_job(job, model, vocabulary, settings, &mut store, &mut active),
                Err(std_mpsc::RecvTimeoutError::Timeout) => continue,
                Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        while active.len() < settings.max_batch.max(1) {
            match inbox.jobs.try_recv() {
                Ok(job) => admit_job(job, model, vocabulary, settings, &mut store, &mut active),
                Err(std_mpsc::TryRecvError::Empty) => break,
                Err(std_mpsc::TryRecvError::Disconnected) if active.is_empty() => return,
                Err(std_mpsc::TryRecvError::Disconnected) => break,
            }
        }
        if active.is_empty() {
            continue;
        }
        inbox.load.stepped(active.len());
        if let Err(error) = step(model, vocabulary, settings, &mut store, &mut active) {
            tracing::error!(%error, "forward pass failed");
            for seq in active.drain(..) {
                let _ = seq.events.send(EngineEvent::Failed(error.to_string()));
            }
        }
        retire(&mut store, &mut active);
    }
}

fn admit_job(
    job: Job,
    model: &LlamaModel,
    vocabulary: &Vocabulary<'_>,
    settings: &SchedulerSettings,
    store: &mut CacheStore,
    active: &mut Vec<Active>,
) {
    let Job {
        mut request,
        events,
        submitted,
        queued,
    } = job;
    drop(queued);
    let erased = request
        .cache_key
        .as_deref()
        .is_some_and(|key| store.erased_since(key, submitted));
    if erased {
        request.cache_key = None;
    }
    let mut seq = match admit(request, events.clone(), model, vocabulary, settings, store) {
        Ok(seq) => seq,
        Err(error) => {
            let _ = events.send(EngineEvent::Failed(error.to_string()));
            return;
        }
    };
    // A request whose conversation was erased while it queued shares nothing.
    if erased {
        seq.share_at = None;
    }
    // Another conversation is already computing this system prompt: wait
    // for it instead of computing it twice.
    if let Some(at) = seq.share_at {
        if active
            .iter()
            .any(|other| other.share_at == Some(at) && other.prompt[..at] == seq.prompt[..at])
        {
            seq.share_at = None;
        }
    }
    active.push(seq);
}

/// Tokenizes the request and finds the longest cached start for it.
fn admit(
    request: GenerationRequest,
    events: mpsc::UnboundedSender<EngineEvent>,
    model: &LlamaModel,
    vocabulary: &Vocabulary<'_>,
    settings: &SchedulerSettings,
    store: &mut CacheStore,
) -> Result<Active, EngineError> {
    let prompt = vocabulary
        .tokenization
        .prompt_ids(&request.messages, settings.prompt_budget)?;
    let system_len = vocabulary
        .tokenization
        .system_prefix_len(&request.messages, &prompt)?;
    let params = request.sampling;
    let owned = request.cache_key.as_deref().and_then(|key| store.take(key));
    let mut shared = false;
    let mut cache = match owned {
        Some(cache) => cache,
        None => match store.prefix_for(&prompt) {
            Some(prefix) => {
                shared = true;
                SequenceCache::from_prefix(prefix, model.hyper().kv_dim())
            }
            None => model.new_cache(),
        },
    };
    // At least one prompt token is always run, for the logits after it.
    let keep = common_prefix(cache.tokens(), &prompt).min(prompt.len().saturating_sub(1));
    cache.truncate(keep);
    let share_at = (!shared && cache.len() < system_len && system_len >= MIN_SHARED_TOKENS)
        .then_some(system_len);
    cache.reserve(prompt.len() - cache.len() + params.max_new_tokens);
    let admitted = Instant::now();
    Ok(Active {
        events,
        key: request.cache_key,
        max_new_tokens: params.max_new_tokens,
        cached_tokens: keep,
        prompt,
        share_at,
        cache,
        sampler: Sampler::new(&params),
        decoder: StreamDecoder::new(),
        generated: Vec::new(),
        next_input: None,
        admitted,
        deadline: admitted + Duration::from_secs(params.max_generation_secs.max(1)),
        prefill_secs: None,
        finish: None,
    })
}

/// One forward pass over every active conversation, then sampling.
fn step(
    model: &mut LlamaModel,
    vocabulary: &Vocabulary<'_>,
    settings: &SchedulerSettings,
    store: &mut CacheStore,
    active: &mut [Active],
) -> Result<(), EngineError> {
    let mut prefill_left = settings.prefill_chunk.max(1);
    let mut inputs: Vec<Vec<u32>> = Vec::with_capacity(active.len());
    let mut wants = Vec::with_capacity(active.len());
    let pending_prefixes: Vec<&[u32]> = active
        .iter()
        .filter_map(|seq| seq.share_at.map(|at| &seq.prompt[..at]))
        .collect();
    for seq in active.iter() {
        let waits = seq.share_at.is_none()
            && pending_prefixes
                .iter()
                .any(|p| seq.cache.len() < p.len() && seq.prompt.starts_with(p));
        if waits {
            inputs.push(Vec::new());
            wants.push(false);
        } else if seq.reading_prompt() {
            let from = seq.cache.len();
            let limit = seq
                .share_at
                .filter(|&at| at > from)
                .unwrap_or(seq.prompt.len());
            let to = limit.min(from + prefill_left);
            prefill_left -= to - from;
            inputs.push(seq.prompt[from..to].to_vec());
            wants.push(to == seq.prompt.len());
        } else {
            inputs.push(seq.next_input.into_iter().collect());
            wants.push(true);
        }
    }
    let logits = {
        let mut steps: Vec<Step<'_>> = active
            .iter_mut()
            .zip(&inputs)
            .zip(&wants)
            .map(|((seq, tokens), &wants_logits)| Step {
                tokens,
                cache: &mut seq.cache,
                wants_logits,
            })
            .collect();
        model.forward(&mut steps)?
    };
    let mut new_prefixes = Vec::new();
    for seq in active.iter_mut() {
        if seq.share_at == Some(seq.cache.len()) {
            let prefix = seq.cache.share();
            store.add_prefix(prefix.clone(), seq.key.clone());
            new_prefixes.push(prefix);
            seq.share_at = None;
            seq.cache
                .reserve(seq.prompt.len() - seq.cache.len() + seq.max_new_tokens);
        }
    }
    for prefix in new_prefixes {
        for seq in active.iter_mut() {
            if seq.cache.len() == 0 && seq.prompt.starts_with(prefix.tokens()) {
                seq.cache = SequenceCache::from_prefix(prefix.clone(), model.hyper().kv_dim());
                seq.cache.truncate(seq.prompt.len() - 1);
                seq.cached_tokens = seq.cache.len();
                seq.cache
                    .reserve(seq.prompt.len() - seq.cache.len() + seq.max_new_tokens);
            }
        }
    }
    for (seq, logits) in active.iter_mut().zip(logits) {
        let Some(logits) = logits else { continue };
        if seq.prefill_secs.is_none() {
            seq.prefill_secs = Some(seq.admitted.elapsed().as_secs_f64());
        }
        let next = seq.sampler.next(&logits, &seq.generated)?;
        if vocabulary.stop_tokens.contains(&next) {
            seq.finish = Some(FinishReason::Stop);
            continue;
        }
        seq.generated.push(next);
        seq.next_input = Some(next);
        if let Some(text) = seq.decoder.push(vocabulary.tokenization.tokenizer(), next) {
            if seq.events.send(EngineEvent::Delta(text)).is_err() {
                seq.finish = Some(FinishReason::Stop);
                continue;
            }
        }
        if seq.generated.len() >= seq.max_new_tokens {
            seq.finish = Some(FinishReason::Length);
        } else if Instant::now() >= seq.deadline {
            seq.finish = Some(FinishReason::Timeout);
        }
    }
    Ok(())
}

/// Sends the final events of finished conversations and keeps their caches.
fn retire(store: &mut CacheStore, active: &mut Vec<Active>) {
    let mut i = 0;
    while i < active.len() {
        let Some(finish) = active[i].finish else {
            i += 1;
            continue;
        };
        let mut seq = active.swap_remove(i);
        if let Some(text) = seq.decoder.finish() {
            let _ = seq.events.send(EngineEvent::Delta(text));
        }
        let prefill_secs = seq.prefill_secs.unwrap_or_default();
        let stats = GenerationStats {
            prompt_tokens: seq.prompt.len(),
            cached_prompt_tokens: seq.cached_tokens,
            generated_tokens: seq.generated.len(),
            prefill_secs,
            decode_secs: seq.admitted.elapsed().as_secs_f64() - prefill_secs,
            finish,
        };
        tracing::debug!(
            prompt_tokens = stats.prompt_tokens,
            cached_prompt_tokens = stats.cached_prompt_tokens,
            generated_tokens = stats.generated_tokens,
            prefill_secs = stats.prefill_secs,
            decode_secs = stats.decode_secs,
            "generation finished"
        );
        let _ = seq.events.send(EngineEvent::Done(stats));
        if let Some(key) = seq.key.take() {
            store.put(key, seq.cache);
            tracing::debug!(
                conversations = store.conversations(),
                bytes = store.bytes(),
                "conversation caches kept"
            );
        }
    }
}
