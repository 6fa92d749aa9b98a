//! Conversations: the one place that decides who answers a customer message
//! (the AI, or nobody while a human is on it), and the live event fan-out to
//! every socket watching a conversation.

mod consent;
mod context;
mod data_rights;
mod error;
mod handoff;
mod hub;
mod lifecycle;
mod model_reply;
mod queue_wait;
mod relay;
mod router;
mod service;
mod summary;
mod turn;

pub use error::ConversationError;
pub use handoff::{unattended_watch_task, HandoffError, HandoffStatus};
pub use hub::{ConversationEvent, Hub};
pub use lifecycle::{reached, Lifecycle, Phase, TurnInFlight};
pub use relay::{relay_task, Relay};
pub use service::{
    ConversationService, HandoffPolicy, OpenRequest, Opened, PostOutcome, Resume, ServiceParts,
};
pub use summary::summarize;
