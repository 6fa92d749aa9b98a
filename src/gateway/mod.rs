//! The edge: WebSocket frames, the customer and agent sockets, widget signatures and
//! the Origin check. Knows nothing of candle or SQL; hands every decision to
//! the conversation layer.

pub mod agent_socket;
mod customer_signatures;
pub mod customer_socket;
mod frame_metrics;
pub mod frames;
mod keepalive;
mod limits;
mod origin;
pub mod protocol;
mod signature;

pub use customer_signatures::CustomerSignatures;
pub use limits::{ClientLimits, ConnectionSlot, LimitSettings, TokenBucket};
pub use origin::AllowedOrigins;
pub use signature::{unix_now, SecuritySettings, SignatureError, VerifiedSignature, WidgetSigner};
