//! Operations: the Prometheus metrics of one application instance
//! (`GET /metrics`) and its readiness flags (`GET /readyz`).
//!
//! Every application owns its registry (held in the app state, never a
//! process global), so several applications in one process — the tests —
//! never see each other's counts. Labels are bounded enums only
//! ([`labels`]): no id, name or text ever becomes a label.
//!
//! Values the edges push (counters, histograms, the open-socket gauge) are
//! recorded where they happen (`record.rs`); values that describe a current
//! state (engine queue and batch, watched conversations, queue length) are
//! read when `/metrics` is scraped (`observe.rs`).

mod families;
mod labels;
mod observe;
mod open_socket;
mod readiness;
mod record;
mod settings;

pub use labels::{
    AnswerPath, ConsentDirection, ErrorChannel, GuardKind, HandoffTrigger, SocketKind,
};
pub use observe::Observed;
pub use open_socket::OpenSocket;
pub use readiness::Readiness;
pub use settings::MetricsSettings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prometheus::{Histogram, IntCounter, IntGauge, Registry, TextEncoder};

use crate::domain::Purpose;
use crate::error::ErrorCode;
use families::{rows, Families};

/// The metrics could not be set up or rendered (a programming error: a
/// duplicate or malformed metric name).
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

/// Seconds to first token: buckets from 50 ms to half a minute.
const FIRST_TOKEN_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
/// Seconds from the start of a turn to its stored reply.
const REPLY_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0,
];
/// Generated tokens per second of one reply.
const TOKENS_PER_SECOND_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0];
/// Seconds a handed-off conversation waited for an agent's claim.
const HANDOFF_WAIT_BUCKETS: &[f64] = &[5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0];

/// One instance's metrics; cheap to clone (all clones share the registry).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    sockets: HashMap<SocketKind, IntGauge>,
    conversations_active: IntGauge,
    handoff_queue: IntGauge,
    engine_queue: IntGauge,
    engine_batch: IntGauge,
    engine_steps: IntCounter,
    engine_step_sequences: IntCounter,
    engine_tokens: IntCounter,
    first_token: Histogram,
    reply_latency: HashMap<AnswerPath, Histogram>,
    tokens_per_second: Histogram,
    handoffs: HashMap<HandoffTrigger, IntCounter>,
    handoff_wait: Histogram,
    disclosures: IntCounter,
    consent_changes: HashMap<(Purpose, ConsentDirection), IntCounter>,
    guard: HashMap<GuardKind, IntCounter>,
    fact_removals: IntCounter,
    errors: HashMap<(ErrorCode, ErrorChannel), IntCounter>,
    /// Serializes scrape-time updates, so two scrapes never add one
    /// engine total twice.
    observing: Mutex<()>,
}

impl Metrics {
    /// A fresh registry with every Candor metric at zero.
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new_custom(Some("candor".into()), None)?;
        let f = Families {
            registry: &registry,
        };
        let socket_labels = rows(SocketKind::ALL.iter().map(|k| k.as_str()));
        let sockets = f.gauges(
            "sockets_active",
            "Open WebSocket connections on this instance.",
            "kind",
            &socket_labels,
        )?;
        let answer_labels = rows(AnswerPath::ALL.iter().map(|p| p.as_str()));
        let reply_latency = f.histograms(
            "reply_latency_seconds",
            "Seconds from the start of an AI turn to its stored reply.",
            REPLY_BUCKETS,
            "answer",
            &answer_labels,
        )?;
        let triggers = rows(HandoffTrigger::ALL.iter().map(|t| t.as_str()));
        let handoffs = f.counters(
            "handoffs_total",
            "Conversations put in the human queue, by what triggered it.",
            &["trigger"],
            &triggers.iter().map(|t| vec![*t]).collect::<Vec<_>>(),
        )?;
        let consent_keys: Vec<(Purpose, ConsentDirection)> = Purpose::CONSENTABLE
            .iter()
            .flat_map(|p| ConsentDirection::ALL.iter().map(move |d| (*p, *d)))
            .collect();
        let consent_changes = f.counters(
            "consent_changes_total",
            "Consent changes recorded, by purpose and direction.",
            &["purpose", "direction"],
            &consent_keys
                .iter()
                .map(|(p, d)| vec![p.as_str(), d.as_str()])
                .collect::<Vec<_>>(),
        )?;
        let guard = f.counters(
            "guard_interventions_total",
            "Changes and answers of the deterministic guards, by kind.",
            &["kind"],
            &GuardKind::ALL
                .iter()
                .map(|k| vec![k.as_str()])
                .collect::<Vec<_>>(),
        )?;
        let error_keys: Vec<(ErrorCode, ErrorChannel)> = ErrorCode::ALL
            .iter()
            .flat_map(|c| ErrorChannel::ALL.iter().map(move |ch| (*c, *ch)))
            .collect();
        let errors = f.counters(
            "errors_total",
            "Error codes sent to clients, by code and channel.",
            &["code", "channel"],
            &error_keys
                .iter()
                .map(|(c, ch)| vec![c.as_str(), ch.as_str()])
                .collect::<Vec<_>>(),
        )?;
        let inner = Inner {
            sockets: SocketKind::ALL.iter().copied().zip(sockets).collect(),
            conversations_active: f.gauge(
                "conversations_active",
                "Conversations watched by at least one open socket on this instance.",
            )?,
            handoff_queue: f.gauge(
                "handoff_queue_length",
                "Conversations waiting in the human queue (all instances).",
            )?,
            engine_queue: f.gauge(
                "engine_queue_depth",
                "Generation requests waiting for the engine.",
            )?,
            engine_batch: f.gauge(
                "engine_batch_size",
                "Conversations in the engine's latest forward pass.",
            )?,
            engine_steps: f.counter("engine_steps_total", "Forward passes of the engine.")?,
            engine_step_sequences: f.counter(
                "engine_step_sequences_total",
                "Conversations summed over forward passes (divided by steps: mean batch size).",
            )?,
            engine_tokens: f.counter(
                "engine_generated_tokens_total",
                "Tokens generated by the model.",
            )?,
            first_token: f.histogram(
                "time_to_first_token_seconds",
                "Seconds from submitting a prompt to the model's first token.",
                FIRST_TOKEN_BUCKETS,
            )?,
            reply_latency: AnswerPath::ALL.iter().copied().zip(reply_latency).collect(),
            tokens_per_second: f.histogram(
                "engine_tokens_per_second",
                "Decode speed of each model reply (generated tokens / decode seconds).",
                TOKENS_PER_SECOND_BUCKETS,
            )?,
            handoffs: HandoffTrigger::ALL.iter().copied().zip(handoffs).collect(),
            handoff_wait: f.histogram(
                "handoff_wait_seconds",
                "Seconds a handed-off conversation waited in the queue before an agent claimed it.",
                HANDOFF_WAIT_BUCKETS,
            )?,
            disclosures: f.counter(
                "disclosures_sent_total",
                "Welcome frames sent with the AI disclosure.",
            )?,
            consent_changes: consent_keys.into_iter().zip(consent_changes).collect(),
            guard: GuardKind::ALL.iter().copied().zip(guard).collect(),
            fact_removals: f.counter(
                "fact_check_removals_total",
                "Reply sentences removed because they stated a value the turn's context does not hold.",
            )?,
            errors: error_keys.into_iter().zip(errors).collect(),
            observing: Mutex::new(()),
            registry,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Everything, in the Prometheus text exposition format (0.0.4).
    pub fn render(&self) -> Result<String, MetricsError> {
        Ok(TextEncoder::new().encode_to_string(&self.inner.registry.gather())?)
    }
}
