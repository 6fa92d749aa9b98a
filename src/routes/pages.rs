//! The demo page and the widget script, compiled into the binary.

use actix_web::HttpResponse;

/// `GET /`: the demo shop page.
pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'"))
        .body(include_str!("../../web/index.html"))
}

/// `GET /widget.js`: the chat widget.
pub async fn widget_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("../../web/widget.js"))
}

/// `GET /agent`: the agent console.
pub async fn agent_console() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'",
        ))
        .body(include_str!("../../web/agent.html"))
}

/// `GET /agent.js`: the agent console script.
pub async fn agent_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("../../web/agent.js"))
}
