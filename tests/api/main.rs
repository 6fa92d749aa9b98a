//! Integration tests: the real server on port 0 with a fresh SQLite file,
//! spoken to with a real WebSocket client and a real HTTP client.

mod admin;
mod agent_socket;
mod answers;
mod bad_input;
mod browser;
mod chat_socket;
mod crash_safety;
mod decode_kernel;
mod deploy;
mod engine_batching;
#[cfg(feature = "tools")]
mod eval;
#[cfg(feature = "tools")]
mod fairness;
mod frames;
mod handoff;
mod helpers;
mod instances;
mod json_logs;
mod knowledge;
mod limits;
#[cfg(feature = "tools")]
mod load_bench;
mod log_scan;
mod openai_stub;
mod ops;
mod personalization;
mod postgres_db;
mod privacy;
mod promotions;
mod real_model;
#[cfg(feature = "tools")]
mod red_team;
mod remote_engine;
#[cfg(feature = "tools")]
mod remote_llama;
mod resume;
mod server_process;
mod shutdown;
mod store_backends;
mod tokenizer_gguf;
mod truthfulness;
mod web_pages;
mod widget_rights;
