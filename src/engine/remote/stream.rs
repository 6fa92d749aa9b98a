//! One remote generation: send the request, read the server-sent events,
//! pass text on as it comes, and stop at the token cap, the time cap, a
//! stall, an error or a broken stream.
//!
//! Failures never carry the server's error text (it may quote the prompt,
//! and the conversation logs the failure): only what went wrong.

use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::timeout_at;

use super::neutralise::restore;
use super::wire::{Chunk, CompletionRequest, Usage};
use super::Shared;
use crate::engine::{EngineEvent, FinishReason, GenerationRequest, GenerationStats};

/// Why a remote generation failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoteFailure {
    /// No connection to the server.
    #[error("cannot reach the engine server ({0})")]
    Connect(&'static str),
    /// The server answered with an error status.
    #[error("the engine server answered HTTP {0}")]
    Status(u16),
    /// No text arrived in time.
    #[error("no first token from the engine server within {0} s")]
    FirstToken(u64),
    /// The stream went quiet mid-reply.
    #[error("the engine server sent nothing for {0} s mid-reply")]
    Stalled(u64),
    /// The stream ended before the reply did.
    #[error("the engine server closed the stream mid-reply")]
    Closed,
    /// The stream could not be read as server-sent events.
    #[error("the engine server's stream broke mid-reply")]
    Broken,
    /// An event was not a chat-completion chunk.
    #[error("the engine server sent a chunk that is not a chat completion")]
    Garbage,
    /// The server reported an error inside the stream.
    #[error("the engine server reported an error mid-stream")]
    ServerError,
    /// Nobody listens any more (the conversation gave up on the reply).
    #[error("the reply was abandoned")]
    Abandoned,
}

/// Sends `request` and streams the reply into `events`.
pub(crate) async fn generate(
    shared: &Shared,
    request: &GenerationRequest,
    events: &UnboundedSender<EngineEvent>,
) -> Result<GenerationStats, RemoteFailure> {
    let settings = &shared.settings;
    let started = Instant::now();
    let cap = started + Duration::from_secs(request.sampling.max_generation_secs);
    let first_token_by = started + settings.first_token_timeout;
    let mut post = shared
        .client
        .post(settings.completions_url.clone())
        .json(&CompletionRequest::new(settings, request));
    if let Some(key) = &settings.api_key {
        post = post.bearer_auth(key.expose_secret());
    }
    let response = match timeout_at(first_token_by.min(cap).into(), post.send()).await {
        Err(_) if cap <= first_token_by => return Ok(timed_out(started)),
        Err(_) => {
            return Err(RemoteFailure::FirstToken(
                settings.first_token_timeout.as_secs(),
            ))
        }
        Ok(Err(error)) => {
            shared.readiness.set(false);
            return Err(RemoteFailure::Connect(transport_kind(&error)));
        }
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if !status.is_success() {
        if matches!(status.as_u16(), 429 | 503) {
            shared.admission.back_off(retry_after(&response));
        }
        shared.readiness.set(status.as_u16() != 503);
        return Err(RemoteFailure::Status(status.as_u16()));
    }
    shared.readiness.set(true);

    let mut reply = Reply::new(started, request.sampling.max_new_tokens);
    let mut stream = response.bytes_stream().eventsource();
    loop {
        let quiet_until = match reply.first_token {
            None => first_token_by,
            Some(_) => Instant::now() + settings.idle_timeout,
        };
        let event = match timeout_at(quiet_until.min(cap).into(), stream.next()).await {
            Err(_) if cap <= quiet_until => {
                reply.finish.get_or_insert(FinishReason::Timeout);
                break;
            }
            Err(_) if reply.first_token.is_none() => {
                return Err(RemoteFailure::FirstToken(
                    settings.first_token_timeout.as_secs(),
                ))
            }
            Err(_) => return Err(RemoteFailure::Stalled(settings.idle_timeout.as_secs())),
            Ok(None) if reply.finish.is_some() => break,
            Ok(None) => return Err(RemoteFailure::Closed),
            Ok(Some(Err(_))) => return Err(RemoteFailure::Broken),
            Ok(Some(Ok(event))) => event,
        };
        let data = event.data.trim();
        if data == "[DONE]" {
            break;
        }
        let chunk: Chunk = serde_json::from_str(data).map_err(|_| RemoteFailure::Garbage)?;
        if reply.take(chunk, events)? {
            break;
        }
    }
    Ok(reply.stats())
}

/// What one reply has produced so far.
struct Reply {
    started: Instant,
    first_token: Option<Instant>,
    max_tokens: usize,
    pieces: usize,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
}

impl Reply {
    fn new(started: Instant, max_tokens: usize) -> Self {
        Self {
            started,
            first_token: None,
            max_tokens,
            pieces: 0,
            finish: None,
            usage: None,
        }
    }

    /// Passes the chunk's text on; true when the reply must stop here.
    fn take(
        &mut self,
        chunk: Chunk,
        events: &UnboundedSender<EngineEvent>,
    ) -> Result<bool, RemoteFailure> {
        if chunk.error.is_some() {
            return Err(RemoteFailure::ServerError);
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        let Some(choice) = chunk.choices.into_iter().next() else {
            return Ok(false);
        };
        let text = choice.delta.and_then(|d| d.content).unwrap_or_default();
        let text = restore(&text);
        if !text.is_empty() {
            self.first_token.get_or_insert_with(Instant::now);
            self.pieces += 1;
            events
                .send(EngineEvent::Delta(text.into_owned()))
                .map_err(|_| RemoteFailure::Abandoned)?;
        }
        if let Some(reason) = choice.finish_reason {
            self.finish = Some(match reason.as_str() {
                "length" => FinishReason::Length,
                _ => FinishReason::Stop,
            });
        }
        // Candor's own cap holds even if the server ignores `max_tokens`
        // (each streamed piece is at least one token).
        if self.pieces >= self.max_tokens {
            self.finish.get_or_insert(FinishReason::Length);
            return Ok(true);
        }
        Ok(false)
    }

    fn stats(self) -> GenerationStats {
        let now = Instant::now();
        let first = self.first_token.unwrap_or(now);
        let usage = self.usage.unwrap_or_default();
        GenerationStats {
            prompt_tokens: usage.prompt_tokens.unwrap_or(0),
            cached_prompt_tokens: usage
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .unwrap_or(0),
            generated_tokens: usage.completion_tokens.unwrap_or(self.pieces),
            prefill_secs: first.duration_since(self.started).as_secs_f64(),
            decode_secs: now.duration_since(first).as_secs_f64(),
            finish: self.finish.unwrap_or(FinishReason::Stop),
        }
    }
}

/// The time cap passed before any text: an empty reply, as the local engine.
fn timed_out(started: Instant) -> GenerationStats {
    GenerationStats {
        prefill_secs: started.elapsed().as_secs_f64(),
        finish: FinishReason::Timeout,
        ..GenerationStats::default()
    }
}

/// A short, URL-free name for a transport error.
fn transport_kind(error: &reqwest::Error) -> &'static str {
    if error.is_connect() {
        "connection refused or unreachable"
    } else if error.is_timeout() {
        "connection timed out"
    } else {
        "transport error"
    }
}

/// The `Retry-After` seconds of an overload answer.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
