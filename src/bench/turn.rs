//! The clock of one turn, shared by both clients: when the message left,
//! when the first text arrived, and how a turn ended.

use std::time::Duration;

use tokio::time::Instant;

/// When a turn stops waiting: its own timeout, or the end of the run's time cap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// The turn fails if its reply is not complete by then.
    pub turn: Instant,
    /// The run's time cap: the turn is cut (not failed) when it passes.
    pub window: Option<Instant>,
}

impl Deadlines {
    /// The earlier of the two.
    pub fn next(&self) -> Instant {
        self.window.map_or(self.turn, |w| w.min(self.turn))
    }

    /// Whether the run's time cap has passed.
    pub fn window_passed(&self) -> bool {
        self.window.is_some_and(|w| Instant::now() >= w)
    }
}

/// A reply received completely.
#[derive(Debug, Clone)]
pub(crate) struct FinishedTurn {
    /// Message sent → first non-empty text.
    pub ttft: Option<Duration>,
    /// Message sent → the model's first token, where the server says how
    /// long it held that token back (Candor's output guard); else `ttft`.
    pub first_token: Option<Duration>,
    /// Message sent → complete reply.
    pub reply: Duration,
    /// The complete reply.
    pub text: String,
    /// Generated tokens as the server reported them, if it did.
    pub server_tokens: Option<usize>,
}

/// How a turn ended.
#[derive(Debug, Clone)]
pub(crate) enum TurnOutcome {
    /// The reply is complete.
    Done(FinishedTurn),
    /// No usable reply (error frame, notice instead of a reply, broken stream, timeout).
    Failed(String),
    /// The run's time cap ended the turn; the text streamed so far.
    Cut(String),
}

/// Times one turn from the moment its message is sent.
#[derive(Debug)]
pub(crate) struct TurnClock {
    sent: Instant,
    first_text: Option<Duration>,
    held: Option<Duration>,
    text: String,
}

impl TurnClock {
    /// Starts the clock: call right before sending the message.
    pub fn start() -> Self {
        Self {
            sent: Instant::now(),
            first_text: None,
            held: None,
            text: String::new(),
        }
    }

    /// A piece of streamed reply text arrived.
    pub fn on_text(&mut self, piece: &str) {
        if self.first_text.is_none() && !piece.is_empty() {
            self.first_text = Some(self.sent.elapsed());
        }
        self.text.push_str(piece);
    }

    /// The server held the model's first token back for `held` before the
    /// first text (reported with that text).
    pub fn on_held(&mut self, held: Duration) {
        self.held.get_or_insert(held);
    }

    /// The reply is complete; `final_text` replaces the streamed text when
    /// the server sends the whole reply at the end.
    pub fn finish(self, final_text: Option<String>, server_tokens: Option<usize>) -> TurnOutcome {
        TurnOutcome::Done(FinishedTurn {
            ttft: self.first_text,
            first_token: self
                .first_text
                .map(|t| t.saturating_sub(self.held.unwrap_or_default())),
            reply: self.sent.elapsed(),
            text: final_text.unwrap_or(self.text),
            server_tokens,
        })
    }

    /// Nothing more arrived before `deadlines.next()`.
    pub fn out_of_time(self, deadlines: &Deadlines) -> TurnOutcome {
        if deadlines.window_passed() {
            TurnOutcome::Cut(self.text)
        } else {
            TurnOutcome::Failed(format!(
                "no complete reply after {:.0} s",
                self.sent.elapsed().as_secs_f64()
            ))
        }
    }
}
