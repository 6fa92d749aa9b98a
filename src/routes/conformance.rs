//! `GET /v1/conformance/echo`: a WebSocket echo for the Autobahn test suite,
//! registered only with `conformance_echo` on. It reads frames with the
//! chat socket's own [`FrameReader`], so the suite checks the code that
//! serves customers.

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{MessageStream, Session};

use crate::gateway::frames::{FrameReader, Inbound};
use crate::gateway::protocol::MAX_FRAME_BYTES;

/// Upgrades to a WebSocket that sends every message back unchanged.
pub async fn echo(req: HttpRequest, body: web::Payload) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(echo_task(session, stream));
    Ok(response)
}

async fn echo_task(mut session: Session, stream: MessageStream) {
    let mut frames = FrameReader::new(stream, session.clone(), MAX_FRAME_BYTES);
    while let Some(inbound) = frames.next().await {
        let sent = match inbound {
            Inbound::Text(text) => session.text(text).await,
            Inbound::Binary(bytes) => session.binary(bytes).await,
            Inbound::Heartbeat => Ok(()),
        };
        if sent.is_err() {
            break;
        }
    }
    // A no-op when the reader has already closed the session.
    let _ = session.close(None).await;
}
