//! One agent WebSocket: sends the agent's live feed as JSON text frames.
//! The agent's own frames are read with the customer socket's hardened
//! [`FrameReader`] (size limit, UTF-8, close handshake) and the same
//! keep-alive (ping every 20 s, closed after 60 s of silence); their content
//! is ignored.

use actix_ws::{MessageStream, Session};
use tokio::sync::{oneshot, watch};

use super::frames::FrameReader;
use super::keepalive::{going_away, KeepAlive};
use crate::conversation::{reached, Phase};
use crate::handoff::{AgentFeed, FeedItem};

/// Largest frame an agent may send, in bytes (agents send nothing the
/// server reads; the limit only bounds memory).
const MAX_AGENT_FRAME_BYTES: usize = 16 * 1024;

/// Serves one upgraded agent connection until it closes.
pub async fn serve(
    mut feed: AgentFeed,
    agent_id: String,
    mut phase: watch::Receiver<Phase>,
    session: Session,
    stream: MessageStream,
) {
    // The agent's frames are read by a task of their own, so the feed is
    // never interrupted mid-decision (only when the socket closes).
    let (closed, mut on_close) = oneshot::channel::<()>();
    actix_web::rt::spawn(read_until_closed(session.clone(), stream, closed));
    tracing::info!(%agent_id, "agent connected");
    let mut session = session;
    let mut close = None;
    loop {
        let item = tokio::select! {
            _ = &mut on_close => break,
            () = reached(&mut phase, Phase::Closing) => {
                close = Some(going_away());
                break;
            }
            item = feed.next() => item,
        };
        let text = match item {
            Some(FeedItem::Event(event)) => serde_json::to_string(&event).unwrap_or_default(),
            Some(FeedItem::Lagged(missed)) => {
                serde_json::json!({"type":"lagged","missed":missed}).to_string()
            }
            None => break,
        };
        if session.text(text).await.is_err() {
            break;
        }
    }
    let _ = session.close(close).await;
}

/// Reads (and drops) the agent's frames, pings, and closes an idle socket;
/// `closed` is dropped when the connection ends.
async fn read_until_closed(
    mut session: Session,
    stream: MessageStream,
    closed: oneshot::Sender<()>,
) {
    let mut frames = FrameReader::new(stream, session.clone(), MAX_AGENT_FRAME_BYTES);
    let mut keepalive = KeepAlive::default();
    loop {
        tokio::select! {
            // The reader answers pings, echoes a close and fails bad frames itself.
            incoming = frames.next() => {
                keepalive.heard();
                if incoming.is_none() { break; }
            }
            due = keepalive.next_ping() => {
                if let Err(idle) = due {
                    let _ = session.close(Some(idle)).await;
                    break;
                }
                if session.ping(b"").await.is_err() { break; }
            }
        }
    }
    drop(closed);
}
