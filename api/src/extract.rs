//! Extractors for path and query parameters that refuse bad input with the
//! API's JSON error (`invalid_parameter`, naming the parameter) instead of
//! axum's plain-text rejection.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ServiceCode};

/// Like [`axum::extract::Query`]; `?limit=abc` answers 400 `invalid_parameter`
/// with path `limit`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let path = if path == "." { String::new() } else { path };
                ApiError::new(
                    ServiceCode::InvalidParameter,
                    path,
                    format!("query string: {}", e.inner()),
                )
            })
    }
}

/// Like [`axum::extract::Path`]; a segment that is not valid UTF-8 (or not
/// of the expected type) answers 400 `invalid_parameter` naming it.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let key = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ => String::new(),
                };
                Err(ApiError::new(
                    ServiceCode::InvalidParameter,
                    key,
                    e.body_text(),
                ))
            }
            Err(e) => Err(ApiError::internal(&e.body_text())),
        }
    }
}
