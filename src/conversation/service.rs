//! Opening conversations and taking customer messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::{ConversationError, ConversationEvent, Hub, Lifecycle, Relay};
use crate::answer::Answers;
use crate::domain::{ClientId, ConversationId, CustomerId, Locale, MessageText};
use crate::engine::{Generator, SamplingParams};
use crate::guard::phrases::PhraseBook;
use crate::guard::{FactVocabulary, Notices};
use crate::handoff::{AgentEvent, AgentHub, BusinessHours};
use crate::metrics::Metrics;
use crate::personalization::Personalization;
use crate::prompt::PromptBuilder;
use crate::store::{
    AppendOutcome, ConversationRecord, ConversationState, NewMessage, Sender, Store, StoredMessage,
};

/// Where a reconnecting widget left off.
#[derive(Debug, Clone)]
pub struct Resume {
    /// The conversation to continue.
    pub conversation_id: ConversationId,
    /// The last seq the widget has; everything after it is replayed.
    pub last_seq: i64,
}

/// A visitor starting or resuming a conversation.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    /// The visitor's language.
    pub locale: Locale,
    /// The verified customer, or `None` for an anonymous visitor.
    pub customer: Option<CustomerId>,
    /// Set when the widget resumes a conversation.
    pub resume: Option<Resume>,
}

/// A conversation ready to be served on a socket.
pub struct Opened {
    /// The conversation.
    pub record: ConversationRecord,
    /// The AI disclosure in the visitor's language.
    pub disclosure: String,
    /// Stored messages the widget has not seen yet.
    pub backlog: Vec<StoredMessage>,
    /// Live events from now on.
    pub events: broadcast::Receiver<ConversationEvent>,
    /// Why a requested resume did not happen (a new conversation was started instead).
    pub resume_refused: Option<ConversationError>,
}

/// The result of posting a customer message.
#[derive(Debug)]
pub enum PostOutcome {
    /// Stored and announced to every watcher.
    Stored(StoredMessage),
    /// The same `client_id` was stored before; nothing new was written.
    Duplicate(StoredMessage),
}

/// How handoffs are handled.
#[derive(Debug, Clone)]
pub struct HandoffPolicy {
    /// When humans are on duty.
    pub hours: BusinessHours,
    /// Assign new handoffs round-robin to available agents.
    pub auto_assign: bool,
    /// How long a queued customer waits before being told nobody is free.
    pub unattended_after: std::time::Duration,
}

/// Everything the service is built from.
pub struct ServiceParts {
    /// The database.
    pub store: Store,
    /// The model (or a scripted stand-in).
    pub engine: Arc<dyn Generator>,
    /// System prompt and history.
    pub prompts: PromptBuilder,
    /// Fixed texts per locale.
    pub notices: Notices,
    /// Handoff phrase lists.
    pub handoff_phrases: PhraseBook,
    /// "Am I talking to a bot?" phrase lists.
    pub identity: PhraseBook,
    /// Output rules: human claims and fake urgency.
    pub output_rules: PhraseBook,
    /// Word lists of the fact check (numbers, months, statuses per locale).
    pub fact_vocabulary: FactVocabulary,
    /// Sampling for AI replies.
    pub sampling: SamplingParams,
    /// Handoff rules.
    pub handoff: HandoffPolicy,
    /// Consent-aware personalization rules.
    pub personalization: Personalization,
    /// The answer plan: order-question lists, the knowledge base, thresholds.
    pub answers: Answers,
    /// Relays live events to other instances (PostgreSQL) or keeps them in
    /// process (SQLite).
    pub relay: Relay,
    /// This instance's metrics.
    pub metrics: Metrics,
}

/// Conversation logic shared by every socket.
pub struct ConversationService {
    pub(super) store: Store,
    pub(super) engine: Arc<dyn Generator>,
    pub(super) prompts: PromptBuilder,
    pub(super) notices: Notices,
    pub(super) handoff_phrases: PhraseBook,
    pub(super) identity: PhraseBook,
    pub(super) output_rules: PhraseBook,
    pub(super) fact_vocabulary: FactVocabulary,
    pub(super) sampling: SamplingParams,
    pub(super) handoff: HandoffPolicy,
    pub(super) personalization: Personalization,
    pub(super) answers: Answers,
    pub(super) metrics: Metrics,
    pub(super) hub: Hub,
    pub(super) agents: AgentHub,
    pub(super) relay: Relay,
    pub(super) lifecycle: Lifecycle,
    pub(super) turn_locks: Mutex<HashMap<ConversationId, Arc<tokio::sync::Mutex<()>>>>,
    pub(super) next_agent: std::sync::atomic::AtomicUsize,
}

/// How many stored messages a prompt looks back over (the engine trims
/// further to its token budget).
pub(super) const HISTORY_MESSAGES: i64 = 40;

impl ConversationService {
    /// Wires the service.
    pub fn new(parts: ServiceParts) -> Arc<Self> {
        Arc::new(Self {
            store: parts.store,
            engine: parts.engine,
            prompts: parts.prompts,
            notices: parts.notices,
            handoff_phrases: parts.handoff_phrases,
            identity: parts.identity,
            output_rules: parts.output_rules,
            fact_vocabulary: parts.fact_vocabulary,
            sampling: parts.sampling,
            handoff: parts.handoff,
            personalization: parts.personalization,
            answers: parts.answers,
            metrics: parts.metrics,
            hub: Hub::default(),
            agents: AgentHub::default(),
            relay: parts.relay,
            lifecycle: Lifecycle::default(),
            turn_locks: Mutex::new(HashMap::new()),
            next_agent: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// The agents' live feed.
    pub fn agent_hub(&self) -> &AgentHub {
        &self.agents
    }

    /// Serving, draining or closing (see [`Lifecycle`]).
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// This instance's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Conversations watched by at least one open socket here.
    pub fn watched_conversations(&self) -> usize {
        self.hub.watched()
    }

    /// Starts a conversation, or resumes one the visitor may continue.
    #[tracing::instrument(skip_all, fields(resume = request.resume.is_some()))]
    pub async fn open(&self, request: OpenRequest) -> Result<Opened, ConversationError> {
        let disclosure = self.notices.get(request.locale).disclosure.clone();
        let mut resume_refused = None;
        if let Some(resume) = &request.resume {
            match self.resumable(resume, request.customer.as_ref()).await {
                Ok(record) => {
                    let events = self.hub.subscribe(&record.id);
                    let backlog = self
                        .store
                        .messages_after(&record.id, resume.last_seq)
                        .await?;
                    return Ok(Opened {
                        record,
                        disclosure,
                        backlog,
                        events,
                        resume_refused: None,
                    });
                }
                Err(ConversationError::Store(e)) => return Err(e.into()),
                Err(refused) => resume_refused = Some(refused),
            }
        }
        let id = ConversationId::generate();
        // A signature vouches for an id, but the conversation can only be tied
        // to a customer the store knows (not yet pushed, or erased: anonymous).
        let known = match &request.customer {
            Some(customer) if self.store.customer(customer).await?.is_some() => Some(customer),
            _ => None,
        };
        let record = self
            .store
            .create_conversation(&id, known, request.locale)
            .await?;
        tracing::info!(conversation_id = %id, verified = request.customer.is_some(), "conversation started");
        Ok(Opened {
            events: self.hub.subscribe(&id),
            record,
            disclosure,
            backlog: Vec::new(),
            resume_refused,
        })
    }

    async fn resumable(
        &self,
        resume: &Resume,
        customer: Option<&CustomerId>,
    ) -> Result<ConversationRecord, ConversationError> {
        let record = self
            .store
            .conversation(&resume.conversation_id)
            .await?
            .ok_or(ConversationError::UnknownConversation)?;
        // A customer's conversation is theirs alone; an anonymous one belongs
        // to whoever holds its (unguessable) id.
        if record.customer_id.is_some()
            && record.customer_id.as_deref() != customer.map(CustomerId::as_str)
        {
            return Err(ConversationError::NotYours);
        }
        Ok(record)
    }

    /// Stores a customer message (acknowledged only once committed) and,
    /// when the AI is answering this conversation, starts its reply.
    #[tracing::instrument(skip_all, fields(conversation_id = %conversation))]
    pub async fn post_customer_message(
        self: &Arc<Self>,
        conversation: &ConversationId,
        client_id: &ClientId,
        text: &MessageText,
    ) -> Result<PostOutcome, ConversationError> {
        // Draining for a shutdown: refused before storing, so the widget
        // sends it again (same client_id) to the instance it reconnects to.
        if !self.lifecycle.is_serving() {
            return Err(ConversationError::ShuttingDown);
        }
        let record = self
            .store
            .conversation(conversation)
            .await?
            .ok_or(ConversationError::UnknownConversation)?;
        if record.state == ConversationState::Closed {
            return Err(ConversationError::Closed);
        }
        let outcome = self
            .store
            .append_message(NewMessage {
                id: uuid::Uuid::new_v4().to_string(),
                conversation_id: conversation,
                sender: Sender::Customer,
                text: text.as_str(),
                client_id: Some(client_id),
                why: None,
            })
            .await?;
        let message = match outcome {
            AppendOutcome::Duplicate(message) => return Ok(PostOutcome::Duplicate(message)),
            AppendOutcome::Stored(message) => message,
        };
        self.publish(conversation, ConversationEvent::Message(message.clone()));
        if record.state.ai_answers() {
            self.route_bot_message(&record, &message).await?;
        } else {
            self.publish_agent(AgentEvent::CustomerMessage {
                conversation_id: conversation.to_string(),
                message: message.clone(),
            });
        }
        Ok(PostOutcome::Stored(message))
    }
}

impl ConversationService {
    /// Stored messages after `seq` (for a socket that fell behind the live feed).
    pub async fn store_messages_after(
        &self,
        conversation: &ConversationId,
        seq: i64,
    ) -> Result<Vec<StoredMessage>, ConversationError> {
        Ok(self.store.messages_after(conversation, seq).await?)
    }
}
