//! What one load run measured: the raw per-turn records and the summary
//! (percentiles, throughput) printed as a line and written as JSON.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;

/// Where a turn's generated-token count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The server reported it (llama-server's `usage` or `timings`).
    Server,
    /// The reply text re-tokenized with the model's tokenizer.
    Tokenizer,
    /// Neither was available: counted as 0.
    Unknown,
}

impl TokenSource {
    fn name(self) -> &'static str {
        match self {
            TokenSource::Server => "server",
            TokenSource::Tokenizer => "tokenizer",
            TokenSource::Unknown => "unknown",
        }
    }
}

/// One finished turn: the visitor's message and the complete reply.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnRecord {
    /// Which conversation of the run (0-based; it follows `script_for(conversation)`).
    pub conversation: usize,
    /// 0 for the first turn of a conversation, 1 and 2 for follow-ups.
    pub turn: usize,
    /// Message sent → first streamed text (`None` if the reply came in one piece).
    pub ttft: Option<Duration>,
    /// Message sent → the model's first token (differs from `ttft` when the
    /// server holds text back, as Candor's output guard does).
    pub first_token: Option<Duration>,
    /// Message sent → complete reply.
    pub reply: Duration,
    /// Tokens generated for the reply.
    pub tokens: usize,
    /// Where `tokens` came from.
    pub token_source: TokenSource,
    /// The customer's message as sent.
    pub customer: String,
    /// The reply as received.
    pub text: String,
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// `candor` or `llama`.
    pub target: String,
    /// Conversations run at the same time.
    pub conversations: usize,
    /// Turns each conversation would send without a time cap.
    pub turns_per_conversation: usize,
    /// Start of the run (before connecting) → end of the last conversation.
    pub wall: Duration,
    /// The finished turns.
    pub turns: Vec<TurnRecord>,
    /// Failed turns and connections, one line each.
    pub errors: Vec<String>,
    /// Turns still running when the time cap ended the run.
    pub cut_turns: usize,
    /// Tokens those unfinished turns had streamed (tokenizer count).
    pub cut_tokens: usize,
}

/// p50 and p95 of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    /// Values measured.
    pub n: usize,
    /// Median (nearest rank); `None` with no values.
    pub p50: Option<f64>,
    /// 95th percentile (nearest rank); `None` with no values.
    pub p95: Option<f64>,
}

impl Percentiles {
    /// Nearest-rank percentiles of `values`.
    pub fn of(values: impl IntoIterator<Item = Duration>) -> Self {
        let mut ms: Vec<f64> = values
            .into_iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * ms.len() as f64).ceil() as usize).max(1) - 1;
            ms.get(index).copied()
        };
        Self {
            n: ms.len(),
            p50: rank(0.50),
            p95: rank(0.95),
        }
    }

    fn show(&self) -> String {
        match (self.p50, self.p95) {
            (Some(p50), Some(p95)) => format!("{p50:.0}/{p95:.0}"),
            _ => "n/a".into(),
        }
    }
}

/// The numbers of one run, as printed and as written to `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct LoadSummary {
    /// `candor` or `llama`.
    pub target: String,
    /// Free-form label from `--tag` (e.g. the round of a comparison).
    pub tag: Option<String>,
    /// Conversations run at the same time.
    pub conversations: usize,
    /// Turns each conversation would send without a time cap.
    pub turns_per_conversation: usize,
    /// Finished turns.
    pub completed_turns: usize,
    /// Failed turns and connections.
    pub errors: usize,
    /// Turns cut by the time cap.
    pub cut_turns: usize,
    /// Length of the run in seconds.
    pub wall_secs: f64,
    /// Tokens generated: finished replies plus what cut turns had streamed.
    pub generated_tokens: usize,
    /// `generated_tokens / wall_secs`.
    pub tokens_per_sec: f64,
    /// `completed_turns / wall_secs`.
    pub turns_per_sec: f64,
    /// Mean tokens of a completed reply: replies of different lengths make
    /// latencies incomparable, so check this matches between servers.
    pub tokens_per_turn: Option<f64>,
    /// Time to first token of first turns, in ms.
    pub ttft_first_ms: Percentiles,
    /// Time to first token of follow-up turns, in ms.
    pub ttft_followup_ms: Percentiles,
    /// Time to first token of every turn, in ms.
    pub ttft_all_ms: Percentiles,
    /// Time to the model's first token (before any hold-back) of first
    /// turns, in ms.
    pub first_token_first_ms: Percentiles,
    /// The same for follow-up turns, in ms.
    pub first_token_followup_ms: Percentiles,
    /// How long the server held the model's first words back (first
    /// streamed text minus the model's first token) over every turn, in
    /// ms: Candor's output guard (`held_ms`); 0 for llama-server.
    pub held_ms: Percentiles,
    /// Message sent → complete reply, in ms.
    pub reply_ms: Percentiles,
    /// Where token counts came from (`server`, `tokenizer`, `unknown`), joined by `+`.
    pub token_source: String,
    /// The first few error lines.
    pub error_samples: Vec<String>,
    /// When the run ended (Unix seconds).
    pub unix_time: u64,
}

impl LoadReport {
    /// Percentiles and throughput of this run.
    pub fn summary(&self, tag: Option<&str>) -> LoadSummary {
        let wall_secs = self.wall.as_secs_f64();
        let per_sec = |count: f64| {
            if wall_secs > 0.0 {
                count / wall_secs
            } else {
                0.0
            }
        };
        let ttft = |keep: fn(usize) -> bool| {
            Percentiles::of(
                self.turns
                    .iter()
                    .filter(|t| keep(t.turn))
                    .filter_map(|t| t.ttft),
            )
        };
        let first_token = |keep: fn(usize) -> bool| {
            Percentiles::of(
                self.turns
                    .iter()
                    .filter(|t| keep(t.turn))
                    .filter_map(|t| t.first_token),
            )
        };
        let finished_tokens = self.turns.iter().map(|t| t.tokens).sum::<usize>();
        let generated_tokens = finished_tokens + self.cut_tokens;
        let sources: BTreeSet<TokenSource> = self.turns.iter().map(|t| t.token_source).collect();
        LoadSummary {
            target: self.target.clone(),
            tag: tag.map(str::to_owned),
            conversations: self.conversations,
            turns_per_conversation: self.turns_per_conversation,
            completed_turns: self.turns.len(),
            errors: self.errors.len(),
            cut_turns: self.cut_turns,
            wall_secs,
            generated_tokens,
            tokens_per_sec: per_sec(generated_tokens as f64),
            turns_per_sec: per_sec(self.turns.len() as f64),
            tokens_per_turn: (!self.turns.is_empty())
                .then(|| finished_tokens as f64 / self.turns.len() as f64),
            ttft_first_ms: ttft(|turn| turn == 0),
            ttft_followup_ms: ttft(|turn| turn > 0),
            ttft_all_ms: ttft(|_| true),
            first_token_first_ms: first_token(|turn| turn == 0),
            first_token_followup_ms: first_token(|turn| turn > 0),
            held_ms: Percentiles::of(self.turns.iter().filter_map(|t| {
                t.ttft
                    .zip(t.first_token)
                    .map(|(shown, first)| shown.saturating_sub(first))
            })),
            reply_ms: Percentiles::of(self.turns.iter().map(|t| t.reply)),
            token_source: sources
                .iter()
                .map(|s| s.name())
                .collect::<Vec<_>>()
                .join("+"),
            error_samples: self.errors.iter().take(5).cloned().collect(),
            unix_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

impl LoadSummary {
    /// One human-readable line (latencies as p50/p95 in ms).
    pub fn line(&self) -> String {
        format!(
            "{} N={}: {} turns ({} errors, {} cut) in {:.1} s | TTFT p50/p95 ms: first {}, follow-up {}, all {} | model's first token p50/p95 ms: first {}, follow-up {} | held p50/p95 ms {} | reply p50/p95 ms {} | {:.1} tok/s ({} tokens, {}; {} per reply) | {:.2} turns/s",
            self.target,
            self.conversations,
            self.completed_turns,
            self.errors,
            self.cut_turns,
            self.wall_secs,
            self.ttft_first_ms.show(),
            self.ttft_followup_ms.show(),
            self.ttft_all_ms.show(),
            self.first_token_first_ms.show(),
            self.first_token_followup_ms.show(),
            self.held_ms.show(),
            self.reply_ms.show(),
            self.tokens_per_sec,
            self.generated_tokens,
            if self.token_source.is_empty() { "no turns" } else { self.token_source.as_str() },
            self.tokens_per_turn
                .map_or_else(|| "n/a".into(), |t| format!("{t:.1}")),
            self.turns_per_sec,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let p = Percentiles::of((1..=20).map(ms));
        assert_eq!((p.n, p.p50, p.p95), (20, Some(10.0), Some(19.0)));
        let one = Percentiles::of([ms(7)]);
        assert_eq!((one.p50, one.p95), (Some(7.0), Some(7.0)));
        assert_eq!(Percentiles::of([]).p50, None);
    }

    #[test]
    fn the_summary_splits_first_and_follow_up_turns() {
        let turn = |turn, ttft, tokens| TurnRecord {
            conversation: 0,
            turn,
            ttft: Some(ms(ttft)),
            first_token: Some(ms(ttft - 40)),
            reply: ms(ttft * 2),
            tokens,
            token_source: TokenSource::Tokenizer,
            customer: String::new(),
            text: String::new(),
        };
        let report = LoadReport {
            target: "candor".into(),
            conversations: 2,
            turns_per_conversation: 3,
            wall: Duration::from_secs(2),
            turns: vec![turn(0, 100, 10), turn(1, 300, 20), turn(0, 200, 30)],
            errors: vec!["conversation 2 turn 3: boom".into()],
            cut_turns: 1,
            cut_tokens: 4,
        };
        let s = report.summary(Some("round=1"));
        assert_eq!(s.completed_turns, 3);
        assert_eq!(s.ttft_first_ms.n, 2);
        assert_eq!(s.ttft_followup_ms.p50, Some(300.0));
        assert_eq!(s.first_token_followup_ms.p50, Some(260.0));
        assert_eq!((s.held_ms.n, s.held_ms.p50), (3, Some(40.0)));
        assert_eq!(s.generated_tokens, 64);
        assert!((s.tokens_per_sec - 32.0).abs() < 1e-9);
        assert!((s.turns_per_sec - 1.5).abs() < 1e-9);
        assert_eq!(s.tokens_per_turn, Some(20.0));
        assert_eq!(s.token_source, "tokenizer");
        assert!(s.line().contains("1 errors, 1 cut"));
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["tag"], "round=1");
        assert_eq!(json["ttft_all_ms"]["n"], 3);
    }
}
