//! Reads a client's WebSocket frames and does the RFC 6455 work that
//! actix-ws leaves to the application (actix/actix-web#1006): reassembling
//! fragmented messages under one size limit, validating the UTF-8 of text
//! (failing fast, fragment by fragment), checking close codes, answering
//! pings and completing the closing handshake.
//!
//! actix-http's codec itself rejects reserved bits, unknown opcodes,
//! unmasked client frames, fragmented or oversized (> 125 bytes) control
//! frames, fragments out of order and malformed close payloads; each of those
//! fails the connection here with 1002.

use std::collections::VecDeque;
use std::io;

use actix_web::web::{Bytes, BytesMut};
use actix_ws::{CloseCode, CloseReason, Item, Message, MessageStream, ProtocolError, Session};
use futures_util::FutureExt;

/// A complete message from the client, or a sign of life.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A text message: reassembled, valid UTF-8, within the size limit.
    Text(String),
    /// A binary message: reassembled, within the size limit.
    Binary(Bytes),
    /// A ping (already answered with a pong) or a pong.
    Heartbeat,
}

/// Reads one client's frames; see the module docs.
pub struct FrameReader {
    stream: MessageStream,
    session: Session,
    assembler: Assembler,
    /// Steps decided but not carried out yet, oldest first.
    pending: VecDeque<Step>,
    done: bool,
}

impl FrameReader {
    /// Reads `stream` and answers pings and closes on `session` (a clone of
    /// the connection's session). Frames and reassembled messages are
    /// limited to `max_bytes`; a larger one closes with 1009.
    pub fn new(stream: MessageStream, session: Session, max_bytes: usize) -> Self {
        Self {
            stream: stream.max_frame_size(max_bytes),
            session,
            assembler: Assembler::new(max_bytes),
            pending: VecDeque::new(),
            done: false,
        }
    }

    /// The next message, or `None` once the connection is over: the client
    /// closed (its close was echoed), broke the protocol (the connection was
    /// closed with the matching code) or went away.
    ///
    /// Cancel-safe, so it can sit in a `select!`: a frame is read whole, and
    /// its step is removed only after its pong was queued, so a cancelled
    /// call resumes where it was. (A close cancelled while the session's
    /// queue is full is lost; the connection ends all the same.)
    pub async fn next(&mut self) -> Option<Inbound> {
        while !self.done {
            let reply = match self.pending.front() {
                None => {
                    self.read().await;
                    continue;
                }
                Some(Step::Pong(payload)) => Reply::Pong(payload.clone()),
                Some(Step::Echo(code)) => Reply::Close(code.map(CloseReason::from)),
                Some(Step::Fail(reason)) => Reply::Close(Some(reason.clone())),
                Some(_) => Reply::Nothing,
            };
            let sent = match reply {
                Reply::Nothing => true,
                Reply::Pong(payload) => self.session.pong(&payload).await.is_ok(),
                Reply::Close(reason) => {
                    // Ends the session for every clone: nothing is sent after a close.
                    let _ = self.session.clone().close(reason).await;
                    false
                }
            };
            self.done = !sent;
            match self.pending.pop_front() {
                Some(Step::Deliver(message)) => return Some(message),
                Some(Step::Pong(_)) if sent => return Some(Inbound::Heartbeat),
                Some(Step::Gone) => self.done = true,
                _ => {}
            }
        }
        None
    }

    /// Reads one frame (or error) and queues what it asks for.
    async fn read(&mut self) {
        let step = match self.stream.recv().await {
            None => Step::Gone,
            Some(Err(error)) => {
                if leaves_header_buffered(&error) {
                    self.take_decoded();
                }
                self.assembler.judge_error(&error)
            }
            Some(Ok(message)) => self.assembler.judge(message),
        };
        self.pending.push_back(step);
    }

    /// actix returns a header error before the messages it decoded just
    /// ahead of the bad frame; queue those first, so they are handled in
    /// the order they were sent. The header stays in actix's buffer, so the
    /// same error ends this loop right after them.
    fn take_decoded(&mut self) {
        while let Some(Some(Ok(message))) = self.stream.recv().now_or_never() {
            let step = self.assembler.judge(message);
            let last = matches!(step, Step::Echo(_) | Step::Fail(_));
            self.pending.push_back(step);
            if last {
                break;
            }
        }
    }
}

/// What a step asks the reader to send before it is done.
enum Reply {
    Nothing,
    Pong(Bytes),
    Close(Option<CloseReason>),
}

/// What one frame asks of the reader.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// Hand a complete message to the application.
    Deliver(Inbound),
    /// A fragment was buffered; read on.
    ReadOn,
    /// Answer a ping with its payload, then report a heartbeat.
    Pong(Bytes),
    /// The client closed: echo its code and stop.
    Echo(Option<CloseCode>),
    /// Fail the connection with this reason and stop.
    Fail(CloseReason),
    /// The connection is gone; nothing can be sent.
    Gone,
}

/// Reassembles fragmented messages and judges every frame; no I/O.
struct Assembler {
    max_bytes: usize,
    partial: Option<Partial>,
}

/// A fragmented message being received.
struct Partial {
    text: bool,
    bytes: BytesMut,
    /// For text: how many leading bytes are known to be valid UTF-8.
    checked: usize,
}

impl Assembler {
    fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            partial: None,
        }
    }

    fn judge(&mut self, message: Message) -> Step {
        match message {
            Message::Text(_) | Message::Binary(_) if self.partial.is_some() => {
                protocol_error("a new message started inside a fragmented one")
            }
            Message::Text(text) if text.len() > self.max_bytes => self.too_big(),
            Message::Binary(bytes) if bytes.len() > self.max_bytes => self.too_big(),
            Message::Text(text) => Step::Deliver(Inbound::Text(String::from(&*text))),
            Message::Binary(bytes) => Step::Deliver(Inbound::Binary(bytes)),
            Message::Continuation(item) => self.fragment(item),
            Message::Ping(payload) => Step::Pong(payload),
            Message::Pong(_) => Step::Deliver(Inbound::Heartbeat),
            Message::Close(None) => Step::Echo(None),
            Message::Close(Some(reason)) if close_code_allowed(reason.code) => {
                Step::Echo(Some(reason.code))
            }
            Message::Close(Some(_)) => protocol_error("invalid close code"),
            Message::Nop => Step::ReadOn,
        }
    }

    fn judge_error(&self, error: &ProtocolError) -> Step {
        match error {
            ProtocolError::Overflow => self.too_big(),
            ProtocolError::Io(e) if is_utf8_error(e) => invalid_utf8(),
            // Reserved bits set; any other I/O error is the transport failing.
            ProtocolError::Io(e) if e.kind() == io::ErrorKind::InvalidData => {
                protocol_error("reserved bits must be 0")
            }
            ProtocolError::Io(_) => Step::Gone,
            // actix-http reports an invalid close code or reason this way.
            ProtocolError::BadOpCode => protocol_error("invalid close frame"),
            _ => protocol_error("protocol error"),
        }
    }

    fn fragment(&mut self, item: Item) -> Step {
        let (start, last, bytes) = match item {
            Item::FirstText(bytes) => (Some(true), false, bytes),
            Item::FirstBinary(bytes) => (Some(false), false, bytes),
            Item::Continue(bytes) => (None, false, bytes),
            Item::Last(bytes) => (None, true, bytes),
        };
        if let Some(text) = start {
            if self.partial.is_some() {
                return protocol_error("a new message started inside a fragmented one");
            }
            self.partial = Some(Partial {
                text,
                bytes: BytesMut::new(),
                checked: 0,
            });
        }
        let Some(partial) = self.partial.as_mut() else {
            return protocol_error("a continuation frame without a message to continue");
        };
        if partial.bytes.len() + bytes.len() > self.max_bytes {
            return self.too_big();
        }
        partial.bytes.extend_from_slice(&bytes);
        if partial.text && !partial.check_utf8(last) {
            return invalid_utf8();
        }
        if !last {
            return Step::ReadOn;
        }
        match self.partial.take() {
            Some(Partial {
                text: false, bytes, ..
            }) => Step::Deliver(Inbound::Binary(bytes.freeze())),
            Some(Partial { bytes, .. }) => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => Step::Deliver(Inbound::Text(text)),
                Err(_) => invalid_utf8(),
            },
            None => Step::ReadOn,
        }
    }

    fn too_big(&self) -> Step {
        Step::Fail(CloseReason {
            code: CloseCode::Size,
            description: Some(format!("messages are limited to {} bytes", self.max_bytes)),
        })
    }
}

impl Partial {
    /// Whether the bytes so far can still be (or, when `last`, are) valid
    /// UTF-8. Checks only the bytes not checked before.
    fn check_utf8(&mut self, last: bool) -> bool {
        match std::str::from_utf8(&self.bytes[self.checked..]) {
            Ok(_) => {
                self.checked = self.bytes.len();
                true
            }
            // A character cut at the end of this fragment may go on in the next.
            Err(e) if e.error_len().is_none() && !last => {
                self.checked += e.valid_up_to();
                true
            }
            Err(_) => false,
        }
    }
}

/// RFC 6455 §7.4: the codes an endpoint may send in a close frame.
fn close_code_allowed(code: CloseCode) -> bool {
    matches!(u16::from(code), 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// Errors raised while parsing a frame header, which actix leaves in its
/// buffer (unlike errors about a frame's payload, which it consumes).
fn leaves_header_buffered(error: &ProtocolError) -> bool {
    match error {
        ProtocolError::UnmaskedFrame
        | ProtocolError::MaskedFrame
        | ProtocolError::InvalidOpcode(_) => true,
        ProtocolError::Io(e) => e.kind() == io::ErrorKind::InvalidData && !is_utf8_error(e),
        _ => false,
    }
}

/// actix-ws reports an unfragmented text frame that is not UTF-8 as an I/O
/// error wrapping the `Utf8Error`.
fn is_utf8_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<std::str::Utf8Error>())
}

fn protocol_error(description: &str) -> Step {
    Step::Fail(CloseReason {
        code: CloseCode::Protocol,
        description: Some(description.into()),
    })
}

fn invalid_utf8() -> Step {
    Step::Fail(CloseReason {
        code: CloseCode::Invalid,
        description: Some("text messages must be valid UTF-8".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &'static [u8], first: bool, last: bool) -> Message {
        let bytes = Bytes::from_static(bytes);
        Message::Continuation(match (first, last) {
            (true, _) => Item::FirstText(bytes),
            (false, false) => Item::Continue(bytes),
            (false, true) => Item::Last(bytes),
        })
    }

    fn code(step: Step) -> Option<u16> {
        match step {
            Step::Fail(reason) => Some(reason.code.into()),
            _ => None,
        }
    }

    fn deliver(s: &str) -> Step {
        Step::Deliver(Inbound::Text(s.into()))
    }

    #[test]
    fn fragments_are_reassembled_around_interleaved_control_frames() {
        let mut a = Assembler::new(64);
        assert_eq!(a.judge(text(b"Hel", true, false)), Step::ReadOn);
        let ping = a.judge(Message::Ping(Bytes::from_static(b"p")));
        assert_eq!(ping, Step::Pong(Bytes::from_static(b"p")));
        assert_eq!(a.judge(text(b"lo, ", false, false)), Step::ReadOn);
        assert_eq!(
            a.judge(text(b"world", false, true)),
            deliver("Hello, world")
        );
        assert_eq!(a.judge(Message::Text("next".into())), deliver("next"));
    }

    #[test]
    fn fragments_out_of_order_are_protocol_errors() {
        let mut a = Assembler::new(64);
        assert_eq!(code(a.judge(text(b"x", false, true))), Some(1002));
        assert_eq!(code(a.judge(text(b"x", false, false))), Some(1002));
        a.judge(text(b"x", true, false));
        assert_eq!(code(a.judge(text(b"y", true, false))), Some(1002));
        let mut a = Assembler::new(64);
        a.judge(text(b"x", true, false));
        assert_eq!(code(a.judge(Message::Text("y".into()))), Some(1002));
    }

    #[test]
    fn the_size_limit_applies_to_the_reassembled_message() {
        let mut a = Assembler::new(4);
        a.judge(text(b"ab", true, false));
        assert_eq!(a.judge(text(b"cd", false, true)), deliver("abcd"));
        a.judge(text(b"abc", true, false));
        assert_eq!(code(a.judge(text(b"de", false, true))), Some(1009));
    }

    #[test]
    fn invalid_utf8_fails_fast_but_characters_may_span_fragments() {
        let mut a = Assembler::new(64);
        assert_eq!(a.judge(text(b"\xce", true, false)), Step::ReadOn);
        assert_eq!(a.judge(text(b"\xba", false, true)), deliver("κ"));
        // U+110000 is out of range: rejected at the fragment that holds it.
        a.judge(text(b"ok", true, false));
        assert_eq!(code(a.judge(text(b"\xf4\x90", false, false))), Some(1007));
        // A character still cut when the message ends is invalid too.
        let mut a = Assembler::new(64);
        a.judge(text(b"ok", true, false));
        assert_eq!(code(a.judge(text(b"\xce", false, true))), Some(1007));
    }

    #[test]
    fn close_codes_are_checked_and_valid_ones_echoed() {
        let mut a = Assembler::new(64);
        let close = |c: u16| Message::Close(Some(CloseCode::from(c).into()));
        for valid in [1000, 1003, 1007, 1011, 3000, 4999] {
            assert_eq!(a.judge(close(valid)), Step::Echo(Some(valid.into())));
        }
        for invalid in [0, 999, 1004, 1005, 1006, 1012, 1015, 2999, 5000] {
            assert_eq!(code(a.judge(close(invalid))), Some(1002), "{invalid}");
        }
        assert_eq!(a.judge(Message::Close(None)), Step::Echo(None));
    }

    #[test]
    fn codec_errors_map_to_close_codes() {
        let a = Assembler::new(64);
        let bytes = vec![0xff_u8];
        let utf8 = std::str::from_utf8(&bytes).map(|_| ()).unwrap_err();
        let invalid_data = |e: Box<dyn std::error::Error + Send + Sync>| {
            ProtocolError::Io(io::Error::new(io::ErrorKind::InvalidData, e))
        };
        let cases = [
            (ProtocolError::Overflow, Some(1009)),
            (invalid_data(Box::new(utf8)), Some(1007)),
            (invalid_data("reserved bits".into()), Some(1002)),
            (ProtocolError::UnmaskedFrame, Some(1002)),
            (ProtocolError::InvalidOpcode(3), Some(1002)),
            (ProtocolError::InvalidLength(126), Some(1002)),
            (ProtocolError::BadOpCode, Some(1002)),
            (ProtocolError::Io(io::Error::other("reset")), None),
        ];
        for (error, expected) in cases {
            assert_eq!(code(a.judge_error(&error)), expected, "{error:?}");
        }
        assert!(leaves_header_buffered(&invalid_data(
            "reserved bits".into()
        )));
        assert!(!leaves_header_buffered(&invalid_data(Box::new(utf8))));
        assert!(!leaves_header_buffered(
            &ProtocolError::ContinuationNotStarted
        ));
    }
}
