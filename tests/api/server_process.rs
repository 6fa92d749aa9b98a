//! `candor serve` as a process of its own (the real binary, the real
//! model), for the stories that kill, restart or run several servers.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::helpers::{recv, send, Ws};

/// The admin token every test process is started with.
pub const ADMIN_TOKEN: &str = "process-test-admin-token";

/// A running server process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts `candor serve` on a free port with `database_url`, the
    /// default model and `extra` environment variables, and waits until it
    /// listens.
    pub fn start(database_url: &str, extra: &[(&str, &str)]) -> Self {
        Self::start_with_args(database_url, &[], extra)
    }

    /// [`ServerProcess::start`] with more `candor serve` arguments (e.g.
    /// `--config`).
    pub fn start_with_args(database_url: &str, args: &[&str], extra: &[(&str, &str)]) -> Self {
        let root = env!("CARGO_MANIFEST_DIR");
        super::helpers::model_path();
        let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
            .arg("serve")
            .args(args)
            .current_dir(root)
            .env("CANDOR_BIND", "127.0.0.1:0")
            .env("CANDOR_DATABASE_URL", database_url)
            .env("CANDOR_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("CANDOR_WIDGET_SECRET", "process-test-widget-secret")
            .env("RUST_LOG", "warn")
            .envs(extra.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the candor binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("candor printed its address before exiting")
                .expect("readable stdout");
            if let Some(rest) = line.strip_prefix("Candor is listening on http://") {
                let port = rest.rsplit_once(':').expect("host:port").1;
                break port.trim().parse().expect("a port number");
            }
        };
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/chat/ws", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process dies at once, mid-whatever.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: the orderly stop a supervisor asks for.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM sent");
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("process state") {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens a chat socket and says hello (anonymously, or resuming
    /// `resume` = (conversation id, last seq)); returns the socket and welcome.
    pub async fn hello(&self, resume: Option<(&str, i64)>) -> (Ws, Value) {
        let (mut ws, _) = tokio_tungstenite::connect_async(self.ws_url())
            .await
            .expect("socket opens");
        let mut hello = json!({"type":"hello","locale":"en"});
        if let Some((id, last_seq)) = resume {
            hello["conversation_id"] = json!(id);
            hello["last_seq"] = json!(last_seq);
        }
        send(&mut ws, hello).await;
        let welcome = recv(&mut ws).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (ws, welcome)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
