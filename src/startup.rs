//! Building the application: store, engine, conversation service, HTTP
//! server. Tests build it on port 0 with a fresh database.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{dev::Server, web, App, HttpServer};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::answer::{AccountLexicon, Answers, LexiconError, ShopKnowledge};
use crate::app_state::AppState;
use crate::config::Settings;
use crate::conversation::{
    relay_task, unattended_watch_task, ConversationService, HandoffPolicy, Lifecycle, Relay,
    ServiceParts,
};
use crate::engine::{
    EngineBackend, EngineError, Generator, LocalEngine, RemoteEngine, SamplingParams,
};
use crate::error::ErrorCode;
use crate::gateway::customer_socket::SocketContext;
use crate::gateway::{AllowedOrigins, ClientLimits, CustomerSignatures, WidgetSigner};
use crate::guard::phrases::{Book, PhraseBook, PhraseError};
use crate::guard::{FactVocabulary, FactVocabularyError, NoticeError, Notices};
use crate::handoff::{AgentTickets, BusinessHours, HoursError};
use crate::knowledge::{Knowledge, KnowledgeError};
use crate::metrics::{Metrics, MetricsError, Readiness};
use crate::personalization::{
    FieldPolicy, Personalization, PolicyError, PurposeKeywords, PurposeKeywordsError,
};
use crate::privacy::retention_task;
use crate::prompt::{PromptBuilder, PromptError};
use crate::routes::{self, AdminToken, ApiError};
use crate::store::{demo, Backend, Bus, Store, StoreError};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The model could not be loaded.
    #[error("model: {0}")]
    Engine(#[from] EngineError),
    /// Locale texts are missing or invalid.
    #[error("locale texts: {0}")]
    Notices(#[from] NoticeError),
    /// The prompt files are missing or invalid.
    #[error("prompts: {0}")]
    Prompt(#[from] PromptError),
    /// The business hours are malformed.
    #[error("business hours: {0}")]
    Hours(#[from] HoursError),
    /// A phrase book (handoff, identity or output) is malformed.
    #[error("phrases: {0}")]
    Phrases(#[from] PhraseError),
    /// The knowledge base could not be loaded (files, lexicon, embedding model).
    #[error("knowledge base: {0}")]
    Knowledge(#[from] KnowledgeError),
    /// The personalization allow-lists are invalid.
    #[error("personalization: {0}")]
    Policy(#[from] PolicyError),
    /// The purpose keyword file is invalid.
    #[error("purposes: {0}")]
    Purposes(#[from] PurposeKeywordsError),
    /// The fact-check word lists are invalid.
    #[error("fact check: {0}")]
    Facts(#[from] FactVocabularyError),
    /// The order-question word lists are invalid.
    #[error("answers: {0}")]
    Answers(#[from] LexiconError),
    /// The metrics registry could not be set up.
    #[error("{0}")]
    Metrics(#[from] MetricsError),
    /// The listener could not be bound.
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        /// The address.
        bind: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Choices made by the caller rather than the settings.
#[derive(Default)]
pub struct BuildOptions {
    /// Use this generator instead of loading the GGUF (tests of control flow).
    pub engine: Option<Arc<dyn Generator>>,
    /// Load the demo shop into the database, and let the demo page switch
    /// to its customers (`GET /v1/demo/customers` signs them).
    pub load_demo: bool,
}

/// A built, not yet running, application.
pub struct Application {
    server: Server,
    port: u16,
    admin_token: SecretString,
    widget_secret: SecretString,
    store: Store,
    knowledge: Arc<Knowledge>,
    lifecycle: Lifecycle,
    drain: Duration,
    readiness: Readiness,
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// Stops a running application the way SIGTERM does.
#[derive(Clone)]
pub struct Shutdown {
    server: actix_web::dev::ServerHandle,
    lifecycle: Lifecycle,
    readiness: Readiness,
    drain: Duration,
}

/// How long replies cut short get to store what they sent.
const CUT_GRACE: Duration = Duration::from_secs(5);
/// How long sockets get to send their 1001 close before the server stops.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

impl Shutdown {
    /// Refuses new sockets and messages (503 / `shutting_down`), lets the
    /// replies being written finish for up to `drain_secs`, cuts the rest
    /// (their sent text is stored, marked `cut_short`, and the customer is
    /// told), closes every socket with 1001, and stops the server. Returns
    /// how many replies were cut.
    pub async fn run(&self) -> usize {
        tracing::info!(drain_secs = self.drain.as_secs(), "shutting down: draining");
        // The balancer stops sending new connections here (`/readyz` 503).
        self.readiness.start_draining();
        let cut = self.lifecycle.drain(self.drain, CUT_GRACE).await;
        if cut > 0 {
            tracing::warn!(cut, "replies cut short by the shutdown");
        }
        tokio::time::sleep(CLOSE_GRACE).await;
        self.server.stop(true).await;
        tracing::info!("stopped");
        cut
    }
}

impl Application {
    /// Opens the store, loads the model and binds the listener.
    pub async fn build(settings: Settings, options: BuildOptions) -> Result<Self, StartupError> {
        let store = Store::connect(&settings.database_url).await?;
        if options.load_demo {
            demo::load(&store).await?;
        }
        let knowledge =
            Knowledge::start(store.clone(), &settings.knowledge, &settings.prompts_dir).await?;
        let notices = Notices::load(&settings.prompts_dir)?;
        let prompts = PromptBuilder::load(&settings.prompts_dir, &settings.shop_name)?;
        let engine = match options.engine {
            Some(engine) => engine,
            None => start_engine(&settings)?,
        };
        let model_description = engine.describe();
        tracing::info!(model = %model_description, "engine ready");
        let admin_token = settings.admin_token.clone().unwrap_or_else(random_secret);
        let widget_secret = settings.widget_secret.clone().unwrap_or_else(random_secret);
        let hours = BusinessHours::parse(&settings.handoff.timezone, &settings.handoff.hours)?;
        let metrics = Metrics::new()?;
        let readiness = Readiness::default();
        let policy = FieldPolicy::new(&settings.personalization)?;
        let protected_fields = policy.protected().clone();
        // Several instances on one PostgreSQL database share live events
        // through it; one SQLite box keeps them in process.
        let bus = match store.backend() {
            Backend::Postgres => Some(Bus::connect(&settings.database_url).await?),
            Backend::Sqlite => None,
        };
        let relay = bus.clone().map_or_else(Relay::local, Relay::over);
        let conversations = ConversationService::new(ServiceParts {
            relay,
            store: store.clone(),
            engine: Arc::clone(&engine),
            prompts,
            notices,
            handoff_phrases: PhraseBook::load(&settings.prompts_dir, Book::Handoff)?,
            identity: PhraseBook::load(&settings.prompts_dir, Book::Identity)?,
            output_rules: PhraseBook::load(&settings.prompts_dir, Book::Output)?,
            fact_vocabulary: FactVocabulary::load(&settings.prompts_dir)?,
            sampling: SamplingParams::from(&settings.engine),
            personalization: Personalization {
                policy,
                keywords: PurposeKeywords::load(&settings.prompts_dir)?,
            },
            answers: Answers {
                lexicon: AccountLexicon::load(&settings.prompts_dir)?,
                knowledge: Arc::clone(&knowledge) as Arc<dyn ShopKnowledge>,
                settings: settings.answers.clone(),
            },
            metrics: metrics.clone(),
            handoff: HandoffPolicy {
                hours,
                auto_assign: settings.handoff.auto_assign,
                unattended_after: std::time::Duration::from_secs(
                    settings.handoff.unattended_after_secs,
                ),
            },
        });
        let lifecycle = conversations.lifecycle().clone();
        let watch = tokio::spawn(unattended_watch_task(Arc::clone(&conversations)));
        let mut background = vec![watch];
        if let Some(bus) = bus {
            background.push(tokio::spawn(relay_task(Arc::clone(&conversations), bus)));
        }
        let retention = tokio::spawn(retention_task(store.clone(), settings.privacy.clone()));
        let customer_signatures =
            CustomerSignatures::new(WidgetSigner::new(widget_secret.clone()), settings.security);
        let state = web::Data::new(AppState {
            store: store.clone(),
            allowed_origins: AllowedOrigins::new(&settings.allowed_origins),
            socket_context: SocketContext {
                conversations,
                signatures: customer_signatures.clone(),
            },
            customer_signatures,
            model_description,
            client_limits: ClientLimits::new(settings.limits.clone()),
            knowledge: Arc::clone(&knowledge),
            protected_fields,
            agent_tickets: AgentTickets::default(),
            engine,
            metrics,
            metrics_settings: settings.metrics.clone(),
            readiness: readiness.clone(),
        });
        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                bind: settings.bind.clone(),
                source,
            })?
            .port();
        let admin = web::Data::new(AdminToken(admin_token.clone()));
        let conformance_echo = settings.conformance_echo;
        let demo_signing = options.load_demo;
        if conformance_echo {
            tracing::warn!("conformance echo endpoint enabled at /v1/conformance/echo");
        }
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(admin.clone())
                .app_data(json_config())
                .app_data(path_config())
                .wrap(actix_web::middleware::from_fn(routes::count_errors))
                .wrap(tracing_actix())
                .configure(routes::configure)
                .configure(|cfg| {
                    if conformance_echo {
                        routes::configure_conformance(cfg);
                    }
                    if demo_signing {
                        routes::configure_demo(cfg);
                    }
                })
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            bind: settings.bind.clone(),
            source,
        })?
        .disable_signals()
        .shutdown_timeout(5)
        .run();
        Ok(Self {
            server,
            port,
            admin_token,
            widget_secret,
            store,
            knowledge,
            lifecycle,
            drain: Duration::from_secs(settings.drain_secs),
            background: {
                background.push(retention);
                background
            },
            readiness,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin token in use (generated when not configured).
    pub fn admin_token(&self) -> &str {
        self.admin_token.expose_secret()
    }

    /// The widget secret in use (generated when not configured).
    pub fn widget_secret(&self) -> &SecretString {
        &self.widget_secret
    }

    /// The store (tests inspect it directly).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The knowledge base (tests retrieve from it directly).
    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }

    /// The instance's readiness flags: call
    /// [`Readiness::start_draining`] when a shutdown begins, and `/readyz`
    /// answers 503 from then on.
    pub fn readiness(&self) -> Readiness {
        self.readiness.clone()
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// A handle that drains and stops the server (what SIGTERM does).
    pub fn shutdown(&self) -> Shutdown {
        Shutdown {
            server: self.server.handle(),
            lifecycle: self.lifecycle.clone(),
            readiness: self.readiness.clone(),
            drain: self.drain,
        }
    }

    /// Serves until stopped, then stops the background tasks.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in &self.background {
            task.abort();
        }
        result
    }
}

/// The engine `[engine] backend` names: the local GGUF (with the chat
/// template override in `prompts/`, if any) or the remote server.
fn start_engine(settings: &Settings) -> Result<Arc<dyn Generator>, EngineError> {
    match settings.engine.backend {
        EngineBackend::Local => {
            let override_path = settings.prompts_dir.join("chat_template.jinja");
            let template_override = std::fs::read_to_string(&override_path).ok();
            Ok(Arc::new(LocalEngine::start(
                &settings.model,
                template_override.as_deref(),
                &settings.engine,
            )?))
        }
        EngineBackend::OpenAi => Ok(Arc::new(RemoteEngine::start(&settings.engine)?)),
    }
}

/// Where a generated admin token is written when it may not be printed:
/// `admin-token` next to the SQLite database file, or `data/admin-token`
/// (relative to the working directory) for other databases.
pub fn admin_token_path(database_url: &str) -> PathBuf {
    let sqlite_file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split_once('?').map_or(rest, |(path, _)| path))
        .filter(|path| !path.is_empty() && *path != ":memory:");
    let folder = match sqlite_file.and_then(|f| Path::new(f).parent()) {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        Some(_) => PathBuf::from("."),
        None => PathBuf::from("data"),
    };
    folder.join("admin-token")
}

/// Writes `token` to `path` (and a trailing newline), readable and writable
/// by the owner only (0600), replacing an older file. The file is created
/// anew, never opened through an existing link.
pub fn write_admin_token(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{token}\n").as_bytes())?;
    file.sync_all()
}

fn random_secret() -> SecretString {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(hex::encode(bytes))
}

/// JSON bodies: 64 KiB at most; errors become API errors with stable codes.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError;
            let api = match &err {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => ApiError::invalid(
                    ErrorCode::BodyTooLarge,
                    "request bodies are limited to 64 KiB",
                ),
                JsonPayloadError::ContentType => ApiError::invalid(
                    ErrorCode::UnsupportedContentType,
                    "send Content-Type: application/json",
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    ApiError::invalid(ErrorCode::InvalidBody, first_line(&e.to_string()))
                }
                _ => ApiError::invalid(ErrorCode::InvalidJson, "the body is not valid JSON"),
            };
            api.into()
        })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| {
        ApiError::invalid(ErrorCode::InvalidPath, "bad path parameter").into()
    })
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// A minimal request log: method, route pattern, status and latency; never
/// bodies, query strings or headers.
fn tracing_actix() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%U %s %Dms").exclude("/healthz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_token_file_sits_next_to_the_sqlite_database() {
        assert_eq!(
            admin_token_path("sqlite://data/candor.db"),
            PathBuf::from("data/admin-token")
        );
        assert_eq!(
            admin_token_path("sqlite:///var/lib/candor/data/candor.db?mode=rwc"),
            PathBuf::from("/var/lib/candor/data/admin-token")
        );
        assert_eq!(
            admin_token_path("sqlite://candor.db"),
            PathBuf::from("./admin-token")
        );
        assert_eq!(
            admin_token_path("postgres://postgres@127.0.0.1/candor"),
            PathBuf::from("data/admin-token")
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_admin_token_file_is_owner_only_and_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("sub/admin-token");
        write_admin_token(&path, "first").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_admin_token(&path, "second").expect("rewrite");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "second\n");
    }
}
