//! The agent bearer token extractor (`Authorization: Bearer` only: a token
//! in a URL ends up in proxy logs; the socket takes a ticket instead). The
//! admin token is refused here with 403: agents act as themselves, with
//! their own token.

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::app_state::AppState;
use crate::handoff::hash_token;
use crate::routes::auth::bearer;
use crate::routes::{AdminToken, ApiError};
use crate::store::AgentRecord;

/// The authenticated agent.
pub struct AgentAuth(pub AgentRecord);

impl FromRequest for AgentAuth {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req).map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let admin = req.app_data::<web::Data<AdminToken>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::Unauthorized);
            };
            if admin
                .is_some_and(|a| bool::from(a.0.expose_secret().as_bytes().ct_eq(token.as_bytes())))
            {
                return Err(ApiError::Forbidden(
                    "agent endpoints need an agent token, not the admin token",
                ));
            }
            match state.store.agent_by_token_hash(&hash_token(&token)).await? {
                Some(agent) => Ok(AgentAuth(agent)),
                None => Err(ApiError::Unauthorized),
            }
        })
    }
}
