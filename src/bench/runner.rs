//! The core of `candor bench load`: N scripted conversations at once
//! against one server, each turn waiting for the full reply before the next.

use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;

use super::candor_client::CandorSession;
use super::llama_client::{LlamaEndpoint, LlamaSession};
use super::report::{LoadReport, TokenSource, TurnRecord};
use super::scripts::{customer_message, script_for};
use super::tokens::TokenCounter;
use super::turn::{Deadlines, TurnOutcome};

/// Where the conversations go.
#[derive(Debug, Clone)]
pub enum LoadTarget {
    /// Candor's chat socket, as anonymous English visitors.
    Candor {
        /// `ws://host:port/v1/chat/ws`.
        url: String,
        /// `Origin` header to send (must be in the server's allowed origins);
        /// `None` sends none, like a server-side integration.
        origin: Option<String>,
    },
    /// llama-server's OpenAI-compatible streaming chat endpoint.
    Llama {
        /// Base URL, e.g. `http://127.0.0.1:8081`.
        url: String,
        /// The system message (Candor's system prompt for the same visitor).
        system_prompt: String,
    },
}

impl LoadTarget {
    /// `candor` or `llama`.
    pub fn name(&self) -> &'static str {
        match self {
            LoadTarget::Candor { .. } => "candor",
            LoadTarget::Llama { .. } => "llama",
        }
    }
}

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// The server.
    pub target: LoadTarget,
    /// Conversations at the same time.
    pub conversations: usize,
    /// Turns per conversation (1 to 3).
    pub turns: usize,
    /// `max_tokens` sent to llama-server (Candor's cap is its own
    /// `[engine] max_new_tokens` setting).
    pub max_new_tokens: usize,
    /// Asks llama-server to generate `max_new_tokens` whatever the model
    /// says (`ignore_eos`), for same-length comparisons; Candor's
    /// counterpart is its `[engine] ignore_end_of_turn` setting.
    pub ignore_eos: bool,
    /// Longest wait for one complete reply; a slower turn fails.
    pub turn_timeout: Duration,
    /// Optional cap on the run: no turn starts after it, and turns still
    /// running are cut (their streamed tokens still count toward tokens/s).
    pub time_cap: Option<Duration>,
    /// Counts tokens of replies whose server reports no count.
    pub counter: Option<TokenCounter>,
    /// Opens every first turn with "Hi, visitor <run>-<i> here." so no run
    /// repeats an earlier run's first message: a server's prompt cache
    /// (llama-server keeps each slot's last prompt, Candor each
    /// conversation's) must not turn a first turn into a cache hit.
    pub run_id: u64,
}

/// What one conversation produced.
#[derive(Default)]
struct ConversationResult {
    turns: Vec<TurnRecord>,
    errors: Vec<String>,
    cut_turns: usize,
    cut_tokens: usize,
}

enum Session {
    Candor(Box<CandorSession>),
    Llama(LlamaSession),
}

/// Runs the plan's conversations at once and reports every turn.
pub async fn run_load(plan: &LoadPlan) -> LoadReport {
    let started = Instant::now();
    let window = plan.time_cap.map(|cap| started + cap);
    let http = reqwest::Client::new();
    let runs = (0..plan.conversations).map(|i| conversation(plan, i, window, &http));
    let results = join_all(runs).await;
    let mut report = LoadReport {
        target: plan.target.name().into(),
        conversations: plan.conversations,
        turns_per_conversation: plan.turns,
        wall: started.elapsed(),
        turns: Vec::new(),
        errors: Vec::new(),
        cut_turns: 0,
        cut_tokens: 0,
    };
    for result in results {
        report.turns.extend(result.turns);
        report.errors.extend(result.errors);
        report.cut_turns += result.cut_turns;
        report.cut_tokens += result.cut_tokens;
    }
    report
}

async fn conversation(
    plan: &LoadPlan,
    index: usize,
    window: Option<Instant>,
    http: &reqwest::Client,
) -> ConversationResult {
    let mut result = ConversationResult::default();
    let script = script_for(index);
    let label = format!("conversation {} ({})", index + 1, script.topic);
    let mut session = match &plan.target {
        LoadTarget::Candor { url, origin } => {
            let deadline = Instant::now() + plan.turn_timeout;
            let name = format!("lg{}", index + 1);
            match CandorSession::open(url, origin.as_deref(), name, deadline).await {
                Ok(session) => Session::Candor(Box::new(session)),
                Err(problem) => {
                    result.errors.push(format!("{label}: {problem}"));
                    return result;
                }
            }
        }
        LoadTarget::Llama { url, system_prompt } => {
            Session::Llama(LlamaSession::new(LlamaEndpoint {
                client: http.clone(),
                url: format!("{}/v1/chat/completions", url.trim_end_matches('/')),
                system_prompt: system_prompt.clone(),
                max_tokens: plan.max_new_tokens,
                ignore_eos: plan.ignore_eos,
            }))
        }
    };
    for turn in 0..plan.turns {
        let Some(text) = customer_message(plan.run_id, index, turn) else {
            break;
        };
        let deadlines = Deadlines {
            turn: Instant::now() + plan.turn_timeout,
            window,
        };
        if deadlines.window_passed() {
            break;
        }
        let outcome = match &mut session {
            Session::Candor(s) => s.turn(turn, &text, deadlines).await,
            Session::Llama(s) => s.turn(&text, deadlines).await,
        };
        match outcome {
            TurnOutcome::Done(done) => {
                let (tokens, token_source) = match (done.server_tokens, &plan.counter) {
                    (Some(n), _) => (n, TokenSource::Server),
                    (None, Some(counter)) => (counter.count(&done.text), TokenSource::Tokenizer),
                    (None, None) => (0, TokenSource::Unknown),
                };
                result.turns.push(TurnRecord {
                    conversation: index,
                    turn,
                    ttft: done.ttft,
                    first_token: done.first_token,
                    reply: done.reply,
                    tokens,
                    token_source,
                    customer: text,
                    text: done.text,
                });
            }
            TurnOutcome::Failed(problem) => {
                result
                    .errors
                    .push(format!("{label} turn {}: {problem}", turn + 1));
                break;
            }
            TurnOutcome::Cut(partial) => {
                result.cut_turns += 1;
                result.cut_tokens += plan.counter.as_ref().map_or(0, |c| c.count(&partial));
                break;
            }
        }
    }
    if let Session::Candor(session) = session {
        session.close().await;
    }
    result
}
