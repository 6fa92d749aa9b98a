//! The server under test when no `--url` is given: the real application in
//! this process, on port 0, with a fresh SQLite file holding the demo shop.

use std::path::{Path, PathBuf};

use super::error::EvalError;
use crate::config::Settings;
use crate::gateway::WidgetSigner;
use crate::startup::{Application, BuildOptions};
use crate::store::{demo, Store};

/// A folder under the system's temp dir, removed when dropped.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// Creates `candor-eval-<random>` in the temp dir.
    pub fn new() -> Result<Self, EvalError> {
        let path = std::env::temp_dir().join(format!("candor-eval-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).map_err(|source| EvalError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(Self(path))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A SQLite URL for a database file in the folder.
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}/candor.db", self.0.display())
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running in-process server.
pub struct LocalServer {
    /// Its chat socket.
    pub url: String,
    /// Signs customer ids with its widget secret.
    pub signer: WidgetSigner,
    /// Its store (the demo shop is loaded).
    pub store: Store,
    handle: actix_web::dev::ServerHandle,
    _dir: ScratchDir,
}

impl LocalServer {
    /// Starts the application as `settings` say, except: port 0, a fresh
    /// SQLite file, the demo shop loaded, and no per-client rate limits
    /// (every case comes from this one client).
    pub async fn start(mut settings: Settings) -> Result<Self, EvalError> {
        let dir = ScratchDir::new()?;
        settings.bind = "127.0.0.1:0".into();
        settings.database_url = dir.sqlite_url();
        settings.limits.messages_per_minute = 100_000;
        settings.limits.ip_messages_per_minute = 100_000;
        settings.limits.connections_per_ip = 10_000;
        settings.limits.frames_per_minute = 100_000;
        settings.limits.ip_frames_per_minute = 100_000;
        settings.limits.ip_actions_per_minute = 100_000;
        let options = BuildOptions {
            engine: None,
            load_demo: true,
        };
        let app = Application::build(settings, options)
            .await
            .map_err(|e| EvalError::Startup(e.to_string()))?;
        let server = Self {
            url: format!("ws://127.0.0.1:{}/v1/chat/ws", app.port()),
            signer: WidgetSigner::new(app.widget_secret().clone()),
            store: app.store().clone(),
            handle: app.handle(),
            _dir: dir,
        };
        tokio::spawn(app.run_until_stopped());
        Ok(server)
    }

    /// Stops the server gracefully.
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

/// A store holding only the demo shop, in `dir` (the judge's copy of the
/// data a server started with `--demo` holds).
pub async fn demo_store(dir: &ScratchDir) -> Result<Store, EvalError> {
    let store = Store::connect(&dir.sqlite_url()).await?;
    demo::load(&store).await?;
    Ok(store)
}
