//! HTTP handlers, one small file each, registered in one place.

pub mod admin;
pub mod agent;
mod auth;
mod chat_ws;
mod conformance;
mod demo;
mod error;
mod error_metrics;
mod health;
mod metrics;
mod pages;
pub mod privacy;
mod readyz;

pub use auth::AdminToken;
pub use error::ApiError;
pub use error_metrics::count_errors;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index))
        .route("/widget.js", web::get().to(pages::widget_js))
        .route("/agent", web::get().to(pages::agent_console))
        .route("/agent.js", web::get().to(pages::agent_js))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(readyz::readyz))
        .route("/metrics", web::get().to(metrics::metrics))
        .route("/v1/chat/ws", web::get().to(chat_ws::chat_ws))
        .route("/v1/agent/ws", web::get().to(agent::socket::agent_ws))
        .service(
            web::scope("/v1/agent")
                .route("/queue", web::get().to(agent::queue::get_queue))
                .route("/presence", web::post().to(agent::presence::set_presence))
                .route("/ws-ticket", web::post().to(agent::ws_ticket::ws_ticket))
                .route(
                    "/conversations/{id}",
                    web::get().to(agent::conversation::get_conversation),
                )
                .route(
                    "/conversations/{id}/claim",
                    web::post().to(agent::claim::claim),
                )
                .route(
                    "/conversations/{id}/messages",
                    web::post().to(agent::messages::post_message),
                )
                .route(
                    "/conversations/{id}/typing",
                    web::post().to(agent::typing::typing),
                )
                .route(
                    "/conversations/{id}/release",
                    web::post().to(agent::release::release),
                )
                .route(
                    "/conversations/{id}/close",
                    web::post().to(agent::close::close),
                ),
        )
        .service(
            web::scope("/v1/admin")
                .route("/agents", web::post().to(admin::agents::create_agent))
                .route(
                    "/customers/{id}",
                    web::put().to(admin::customers::put_customer),
                )
                .route(
                    "/customers/{id}/orders/{order_id}",
                    web::put().to(admin::orders::put_order),
                )
                .route("/kb", web::get().to(admin::kb::list_entries))
                .route("/kb/{entry_id}", web::put().to(admin::kb::put_entry))
                .route("/kb/{entry_id}", web::delete().to(admin::kb::delete_entry)),
        )
        .service(
            web::scope("/v1/privacy")
                .route(
                    "/customers/{id}",
                    web::delete().to(privacy::erase::erase_customer),
                )
                .route(
                    "/customers/{id}/export",
                    web::get().to(privacy::export::export_customer),
                )
                .route(
                    "/customers/{id}/consent",
                    web::put().to(privacy::consent::put_consent),
                ),
        );
}

/// Registers `GET /v1/demo/customers` (the demo shop signing its own
/// customers for the demo page); call it only with `--demo`.
pub fn configure_demo(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/demo/customers", web::get().to(demo::demo_customers));
}

/// Registers `GET /v1/conformance/echo`; call it only with the
/// `conformance_echo` setting on.
pub fn configure_conformance(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/conformance/echo", web::get().to(conformance::echo));
}
