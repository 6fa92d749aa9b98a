//! The customer socket's JSON frames (documented in `docs/protocol.md`).
//! Names and shapes are a public contract: add fields, never rename.

use serde::{Deserialize, Serialize};

use crate::conversation::ConversationEvent;
use crate::error::ErrorCode;
use crate::store::StoredMessage;

/// The largest text frame accepted; larger frames close the socket with 1009.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Frames a widget sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Must be first: who is visiting and what to resume.
    Hello {
        /// BCP 47 language tag.
        locale: Option<String>,
        /// The shop's customer id with its signature; absent = anonymous.
        customer: Option<CustomerClaim>,
        /// Conversation to resume.
        conversation_id: Option<String>,
        /// Last seq the widget has seen.
        last_seq: Option<i64>,
    },
    /// A customer message.
    Message {
        /// The widget's unique id for this message (resends store once).
        client_id: String,
        /// The text.
        text: String,
    },
    /// The "talk to a person" button.
    HandoffRequest {},
    /// The visitor is typing (shown to a human agent, if one is on the conversation).
    Typing {},
    /// The verified customer asks for everything held about them.
    PrivacyExport {},
    /// The verified customer asks for everything held about them to be erased.
    PrivacyErase {},
    /// Grant or withdraw consent.
    Consent {
        /// Consent to personalization.
        personalization: Option<bool>,
        /// Consent to marketing.
        marketing: Option<bool>,
    },
}

/// The `type` values a widget may send.
pub const CLIENT_FRAME_TYPES: [&str; 7] = [
    "hello",
    "message",
    "handoff_request",
    "typing",
    "consent",
    "privacy_export",
    "privacy_erase",
];

/// A claimed customer identity.
#[derive(Debug, Deserialize)]
pub struct CustomerClaim {
    /// The shop's customer id.
    pub id: String,
    /// Hex HMAC-SHA256(widget secret, id), or with `expires`
    /// HMAC-SHA256(widget secret, id + "." + expires).
    pub signature: String,
    /// Unix seconds after which the signature is refused (the expiring form).
    pub expires: Option<i64>,
}

/// Consent per purpose (never given = false).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ConsentState {
    /// Consent to personalization.
    pub personalization: bool,
    /// Consent to marketing.
    pub marketing: bool,
}

/// Frames the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame of every connection: always discloses the AI.
    Welcome {
        /// The conversation this socket serves.
        conversation_id: String,
        /// Always true: replies may come from an AI.
        ai: bool,
        /// The disclosure text in the visitor's locale.
        disclosure: String,
        /// Who answers right now: bot, queued, agent, closed.
        state: String,
        /// The locale texts are in.
        locale: String,
        /// Whether the visitor was verified as a customer.
        verified: bool,
        /// Highest seq stored in the conversation.
        last_seq: i64,
        /// For a verified customer: the consent in force (the widget's
        /// privacy menu starts from it).
        #[serde(skip_serializing_if = "Option::is_none")]
        consent: Option<ConsentState>,
    },
    /// More text of an AI reply being written (plain text, never HTML).
    Delta {
        /// The id the finished message will carry.
        id: String,
        /// The new text.
        text: String,
        /// On a reply's first delta only: milliseconds between the model's
        /// first token and this frame (the output guard releases text a
        /// sentence at a time).
        #[serde(skip_serializing_if = "Option::is_none")]
        held_ms: Option<u64>,
    },
    /// A stored message (plain text, never HTML).
    Message {
        /// Gapless position in the conversation.
        seq: i64,
        /// Message id.
        id: String,
        /// customer, ai, agent or system.
        sender: String,
        /// The text.
        text: String,
        /// The widget's id, for the customer's own messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// When it was stored (Unix ms).
        created_at: i64,
        /// For AI messages: what the reply was built from (purposes, fields,
        /// records, sources). Purposes, fields and records are empty when no
        /// personal data was used.
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<serde_json::Value>,
    },
    /// The handoff state changed, or the queue position moved.
    Handoff {
        /// queued, assigned, returned or closed.
        state: String,
        /// Place in the queue while queued.
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<i64>,
        /// The agent's display name (assigned, returned).
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    /// Someone other than the visitor is typing: `sender` is `agent` (with
    /// the agent's display name). Never stored, never replayed.
    Typing {
        /// Who is typing: `agent`.
        sender: String,
        /// The agent's display name.
        #[serde(skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    /// The verified customer's consent now in force.
    Consent {
        /// Consent to personalization.
        personalization: bool,
        /// Consent to marketing.
        marketing: bool,
    },
    /// Everything held about the verified customer (same document as
    /// `GET /v1/privacy/customers/{id}/export`).
    PrivacyExport {
        /// The export.
        data: serde_json::Value,
    },
    /// The verified customer's data was erased; the socket closes next.
    PrivacyErased {},
    /// Something went wrong; `code` is stable.
    Error {
        /// Stable snake_case code.
        code: ErrorCode,
        /// Human-readable explanation.
        message: String,
    },
}

impl ServerFrame {
    /// An error frame.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
        }
    }

    /// The frame announcing a stored message.
    pub fn message(m: &StoredMessage) -> Self {
        ServerFrame::Message {
            seq: m.seq,
            id: m.id.clone(),
            sender: m.sender.as_str().into(),
            text: m.text.clone(),
            client_id: m.client_id.clone(),
            created_at: m.created_at,
            why: m.why.clone(),
        }
    }

    /// The frame for a live conversation event.
    pub fn from_event(event: &ConversationEvent) -> Self {
        match event {
            ConversationEvent::Message(m) => Self::message(m),
            ConversationEvent::Delta { id, text, held_ms } => ServerFrame::Delta {
                id: id.clone(),
                text: text.clone(),
                held_ms: *held_ms,
            },
            ConversationEvent::Handoff {
                state,
                position,
                agent,
            } => ServerFrame::Handoff {
                state: (*state).into(),
                position: *position,
                agent: agent.clone(),
            },
            ConversationEvent::AgentTyping { agent } => ServerFrame::Typing {
                sender: "agent".into(),
                agent: Some(agent.clone()),
            },
        }
    }

    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal_error","message":"frame could not be encoded"}"#
                .into()
        })
    }
}

/// Why a text frame could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameError {
    /// Stable snake_case code.
    pub code: ErrorCode,
    /// Explanation for the widget author.
    pub message: String,
}

/// Reads a text frame, telling invalid JSON, unknown types and bad fields apart.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| FrameError {
        code: ErrorCode::InvalidJson,
        message: "the frame is not valid JSON".into(),
    })?;
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| FrameError {
            code: ErrorCode::InvalidFrame,
            message: "the frame must be a JSON object with a string \"type\"".into(),
        })?;
    if !CLIENT_FRAME_TYPES.contains(&kind.as_str()) {
        return Err(FrameError {
            code: ErrorCode::UnknownType,
            message: format!(
                "unknown frame type; expected one of {}",
                CLIENT_FRAME_TYPES.join(", ")
            ),
        });
    }
    serde_json::from_value(value).map_err(|e| {
        // serde's "missing field" messages name only the field; other messages
        // may quote the visitor's value, so they are not echoed.
        let detail = e.to_string();
        let message = if detail.starts_with("missing field") {
            format!("{kind}: {detail}")
        } else {
            format!("{kind}: a field has the wrong type")
        };
        FrameError {
            code: ErrorCode::InvalidFrame,
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_type() {
        assert!(matches!(
            parse_client_frame(r#"{"type":"message","client_id":"a","text":"hi"}"#),
            Ok(ClientFrame::Message { .. })
        ));
        assert!(matches!(
            parse_client_frame(r#"{"type":"handoff_request"}"#),
            Ok(ClientFrame::HandoffRequest {})
        ));
    }

    #[test]
    fn errors_are_told_apart() {
        assert_eq!(
            parse_client_frame("{nope").map(|_| ()).unwrap_err().code,
            "invalid_json"
        );
        assert_eq!(
            parse_client_frame("[1]").map(|_| ()).unwrap_err().code,
            "invalid_frame"
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"dance"}"#)
                .map(|_| ())
                .unwrap_err()
                .code,
            "unknown_type"
        );
        let missing = parse_client_frame(r#"{"type":"message","text":"hi"}"#)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(missing.code, "invalid_frame");
        assert!(missing.message.contains("client_id"));
    }

    #[test]
    fn wrong_types_do_not_echo_the_value() {
        let err =
            parse_client_frame(r#"{"type":"message","client_id":"a","text":["secret-value"]}"#)
                .map(|_| ())
                .unwrap_err();
        assert!(!err.message.contains("secret-value"));
    }

    #[test]
    fn server_frames_have_the_documented_shape() {
        let json: serde_json::Value =
            serde_json::from_str(&ServerFrame::error(ErrorCode::InvalidJson, "x").to_json())
                .expect("json");
        assert_eq!(json["type"], "error");
        assert_eq!(json["code"], "invalid_json");
    }
}
