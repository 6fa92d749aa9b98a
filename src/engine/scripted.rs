//! A deterministic stand-in for the model, for fast tests of control flow.
//! Never the only test of a feature: end-to-end tests use the real model.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::{EngineError, EngineEvent, EventStream, GenerationRequest, GenerationStats, Generator};

/// Replies with a fixed text, streamed word by word; can be switched to
/// refuse work as if its queue were full.
#[derive(Clone)]
pub struct ScriptedEngine {
    reply: Arc<dyn Fn(&GenerationRequest) -> String + Send + Sync>,
    busy: Arc<AtomicBool>,
    forgotten: Arc<Mutex<Vec<String>>>,
}

impl ScriptedEngine {
    /// An engine whose reply is computed from the request by `reply`.
    pub fn new(reply: impl Fn(&GenerationRequest) -> String + Send + Sync + 'static) -> Self {
        Self {
            reply: Arc::new(reply),
            busy: Arc::new(AtomicBool::new(false)),
            forgotten: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// An engine that answers "You said: <last user message>".
    pub fn echo() -> Self {
        Self::new(|req| {
            let last = req.messages.iter().rev().find(|m| m.role == "user");
            format!(
                "You said: {}",
                last.map(|m| m.content.as_str()).unwrap_or("")
            )
        })
    }

    /// Cache keys the server asked to forget, in order.
    pub fn forgotten(&self) -> Vec<String> {
        self.forgotten
            .lock()
            .map(|keys| keys.clone())
            .unwrap_or_default()
    }

    /// Makes every later `submit` fail with [`EngineError::Busy`] (or work again).
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::SeqCst);
    }
}

impl Generator for ScriptedEngine {
    fn forget(&self, cache_key: &str) {
        if let Ok(mut keys) = self.forgotten.lock() {
            keys.push(cache_key.to_owned());
        }
    }

    fn submit(&self, request: GenerationRequest) -> Result<EventStream, EngineError> {
        if self.busy.load(Ordering::SeqCst) {
            return Err(EngineError::Busy);
        }
        let text = (self.reply)(&request);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut count = 0;
        for piece in text.split_inclusive(' ') {
            count += 1;
            let _ = tx.send(EngineEvent::Delta(piece.to_owned()));
        }
        let _ = tx.send(EngineEvent::Done(GenerationStats {
            generated_tokens: count,
            ..GenerationStats::default()
        }));
        Ok(rx)
    }

    fn describe(&self) -> String {
        "scripted test engine".into()
    }
}
