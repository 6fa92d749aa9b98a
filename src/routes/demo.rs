//! `GET /v1/demo/customers`: the demo shop signs its own customers, so the
//! demo page can switch between an anonymous visitor and them. Registered
//! only with `candor serve --demo`; a real shop signs on its own server
//! (`docs/widget.md`).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::app_state::AppState;
use crate::gateway::unix_now;
use crate::store::demo;

/// How long a demo signature lasts.
const DEMO_SIGNATURE_SECS: i64 = 3600;

/// `{"customers":[{"id","name","expires","signature"}]}` with expiring signatures.
pub async fn demo_customers(state: web::Data<AppState>) -> HttpResponse {
    let expires = unix_now() + DEMO_SIGNATURE_SECS;
    let signatures = &state.customer_signatures;
    let customers: Vec<_> = demo::customer_names()
        .into_iter()
        .map(|(id, name)| {
            json!({
                "id": id,
                "name": name,
                "expires": expires,
                "signature": signatures.sign_expiring(id, expires),
            })
        })
        .collect();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "customers": customers }))
}
