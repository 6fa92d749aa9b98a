//! HTTP handlers, one small file each, registered in one place.

pub mod admin;
mod auth;
mod chat_ws;
mod error;
mod health;

pub use auth::AdminToken;
pub use error::ApiError;

use actix_web::web;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/v1/chat/ws", web::get().to(chat_ws::chat_ws))
        .service(
            web::scope("/v1/admin")
                .route("/customers/{id}", web::put().to(admin::customers::put_customer))
                .route(
                    "/customers/{id}/orders/{order_id}",
                    web::put().to(admin::orders::put_order),
                ),
        );
}
