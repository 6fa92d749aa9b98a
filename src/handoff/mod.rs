//! Human handoff: business hours, agent tokens and socket tickets, and the
//! agents' live feed. The transitions themselves live with the conversation
//! state machine (`conversation/handoff.rs`), the one place that decides who
//! answers.

mod agent_feed;
mod agent_hub;
mod business_hours;
mod settings;
mod tickets;
mod tokens;

pub use agent_feed::{AgentFeed, FeedItem};
pub use agent_hub::{AgentEvent, AgentHub};
pub use business_hours::{BusinessHours, HoursError};
pub use settings::HandoffSettings;
pub use tickets::{AgentTickets, TICKET_TTL};
pub use tokens::{hash_token, new_token};
