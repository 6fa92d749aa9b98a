//! The state every HTTP handler can reach, built once by `startup` and
//! shared by the routes (its own module so routes never import `startup`).

use std::sync::Arc;

use crate::conversation::ConversationService;
use crate::engine::Generator;
use crate::gateway::customer_socket::SocketContext;
use crate::gateway::{AllowedOrigins, ClientLimits, CustomerSignatures};
use crate::handoff::AgentTickets;
use crate::knowledge::Knowledge;
use crate::metrics::{Metrics, MetricsSettings, Readiness};
use crate::personalization::ProtectedFields;
use crate::store::Store;

/// Shared state every handler can reach.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The Origin allow-list of the chat socket.
    pub allowed_origins: AllowedOrigins,
    /// What a customer socket needs.
    pub socket_context: SocketContext,
    /// Checks customer signatures (the privacy endpoints; the socket holds
    /// a clone in its context).
    pub customer_signatures: CustomerSignatures,
    /// The model in use, for `/healthz`.
    pub model_description: String,
    /// Per-client connection and frame limits.
    pub client_limits: ClientLimits,
    /// The shop's knowledge base (entries, embeddings, retrieval).
    pub knowledge: Arc<Knowledge>,
    /// Attributes agents never see (defaults plus the shop's own).
    pub protected_fields: ProtectedFields,
    /// Single-use tickets that open the agent socket.
    pub agent_tickets: AgentTickets,
    /// The engine (the conversation layer holds it too), for `/readyz`
    /// and the engine's load in `/metrics`.
    pub engine: Arc<dyn Generator>,
    /// This instance's metrics (`GET /metrics`).
    pub metrics: Metrics,
    /// Who may read `/metrics`.
    pub metrics_settings: MetricsSettings,
    /// Set when the instance drains for a shutdown (`/readyz` fails).
    pub readiness: Readiness,
}

impl AppState {
    /// The conversation layer.
    pub fn conversations(&self) -> &Arc<ConversationService> {
        &self.socket_context.conversations
    }

    /// The knowledge base.
    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }
}
