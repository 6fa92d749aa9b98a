//! One conversation with llama.cpp's `llama-server` through its
//! OpenAI-compatible `POST /v1/chat/completions` with `"stream": true`.
//!
//! The messages are Candor's own: its system prompt for an anonymous English
//! visitor, the visitor's turns, and the server's previous replies as the
//! assistant's history. TTFT is request sent → first non-empty content delta.

use serde_json::{json, Value};

use super::sse::{parse_chunk, SseLines};
use super::turn::{Deadlines, TurnClock, TurnOutcome};

/// Settings shared by every conversation of a run.
#[derive(Debug, Clone)]
pub(crate) struct LlamaEndpoint {
    /// HTTP client (one connection pool for the run).
    pub client: reqwest::Client,
    /// `<base>/v1/chat/completions`.
    pub url: String,
    /// The system message.
    pub system_prompt: String,
    /// `max_tokens` of each request.
    pub max_tokens: usize,
    /// Generate `max_tokens` past the end of turn (`ignore_eos`).
    pub ignore_eos: bool,
}

/// The history of one conversation.
pub(crate) struct LlamaSession {
    endpoint: LlamaEndpoint,
    messages: Vec<Value>,
}

impl LlamaSession {
    /// A conversation that has only the system message so far.
    pub fn new(endpoint: LlamaEndpoint) -> Self {
        let messages = vec![json!({"role": "system", "content": endpoint.system_prompt})];
        Self { endpoint, messages }
    }

    /// Sends the history plus `text`, streams the reply and keeps it as history.
    pub async fn turn(&mut self, text: &str, deadlines: Deadlines) -> TurnOutcome {
        self.messages.push(json!({"role": "user", "content": text}));
        let body = json!({
            "messages": self.messages,
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": self.endpoint.max_tokens,
            "temperature": 0.0,
            "ignore_eos": self.endpoint.ignore_eos,
        });
        let mut clock = TurnClock::start();
        let request = self.endpoint.client.post(&self.endpoint.url).json(&body);
        let mut response = match tokio::time::timeout_at(deadlines.next(), request.send()).await {
            Err(_) => return clock.out_of_time(&deadlines),
            Ok(Err(e)) => return TurnOutcome::Failed(format!("request failed: {e}")),
            Ok(Ok(response)) => response,
        };
        if !response.status().is_success() {
            let status = response.status();
            let detail: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(120)
                .collect();
            return TurnOutcome::Failed(format!("HTTP {status}: {detail}"));
        }
        let mut lines = SseLines::default();
        let mut tokens = None;
        loop {
            let bytes = match tokio::time::timeout_at(deadlines.next(), response.chunk()).await {
                Err(_) => return clock.out_of_time(&deadlines),
                Ok(Err(e)) => return TurnOutcome::Failed(format!("stream broke: {e}")),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(bytes))) => bytes,
            };
            for data in lines.push(&bytes) {
                let chunk = match parse_chunk(&data) {
                    Ok(chunk) => chunk,
                    Err(problem) => return TurnOutcome::Failed(problem),
                };
                if let Some(error) = chunk.error {
                    return TurnOutcome::Failed(format!("server error: {error}"));
                }
                if let Some(content) = &chunk.content {
                    clock.on_text(content);
                }
                tokens = chunk.completion_tokens.or(tokens);
                if chunk.done {
                    return self.finish(clock, tokens);
                }
            }
        }
        self.finish(clock, tokens)
    }

    fn finish(&mut self, clock: TurnClock, tokens: Option<usize>) -> TurnOutcome {
        let outcome = clock.finish(None, tokens);
        if let TurnOutcome::Done(turn) = &outcome {
            self.messages
                .push(json!({"role": "assistant", "content": turn.text}));
        }
        outcome
    }
}
