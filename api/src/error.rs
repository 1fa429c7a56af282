//! One error type for the HTTP edge, turned into a JSON body with a stable code
//! and the JSON path of the offending field. Internal details never reach the
//! client: a store failure is `internal` with no message of its own.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable error codes; clients may match on them. Listed in the README.
/// A mistake in the day keeps the day plan's own code (`out_of_range`,
/// `unknown_reference`, ...); the service adds its own beside them. Both
/// serialise as one snake_case word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Day(dayplan::ErrorCode),
    Service(ServiceCode),
}

/// The service's own codes: reading the request, access, plans, the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceCode {
    /// A query or path parameter that cannot be read (`?limit=abc`, an id that is not UTF-8).
    InvalidParameter,
    /// A request the HTTP layer could not read (no more precise code applies).
    BadRequest,
    /// The body is larger than the service accepts.
    BodyTooLarge,
    UnsupportedMediaType,
    /// No valid token.
    Unauthorized,
    /// A valid token without the right for this.
    Forbidden,
    /// No such endpoint, plan or squad (another office's plan is "not found" too).
    NotFound,
    /// The endpoint exists but not with this method; the `Allow` header lists the ones it takes.
    MethodNotAllowed,
    /// The body did not arrive within the service's time limit.
    RequestTimeout,
    /// The plan is not finished yet (or failed): no result or sheet to show.
    PlanNotReady,
    /// Someone else changed the plan since the version this change was based on.
    VersionConflict,
    /// An urgent order whose deadline is not after now.
    DeadlinePassed,
    /// The day is over (every squad finished), or this squad's is.
    PlanFinished,
    /// The option no longer holds (a stop was done meanwhile, the deadline is missed, it breaks another stop): ask again.
    OptionStale,
    /// The service is at its limit of plans waiting; retry later.
    Busy,
    Internal,
}

impl ServiceCode {
    pub const ALL: [ServiceCode; 16] = {
        use ServiceCode::*;
        [
            InvalidParameter,
            BadRequest,
            BodyTooLarge,
            UnsupportedMediaType,
            Unauthorized,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            RequestTimeout,
            PlanNotReady,
            VersionConflict,
            DeadlinePassed,
            PlanFinished,
            OptionStale,
            Busy,
            Internal,
        ]
    };
}

impl From<dayplan::ErrorCode> for ErrorCode {
    fn from(c: dayplan::ErrorCode) -> Self {
        ErrorCode::Day(c)
    }
}

impl From<ServiceCode> for ErrorCode {
    fn from(c: ServiceCode) -> Self {
        ErrorCode::Service(c)
    }
}

impl ErrorCode {
    /// Every code, for the tests that check the OpenAPI document lists each
    /// one under the status it is answered with.
    pub fn all() -> Vec<ErrorCode> {
        let day = dayplan::ErrorCode::ALL.into_iter().map(ErrorCode::Day);
        day.chain(ServiceCode::ALL.into_iter().map(ErrorCode::Service))
            .collect()
    }

    /// The code a framework-level rejection with this status stands for
    /// (see [`json_rejections`]).
    pub fn for_status(status: StatusCode) -> Self {
        use ServiceCode::*;
        ErrorCode::Service(match status {
            StatusCode::NOT_FOUND => NotFound,
            StatusCode::METHOD_NOT_ALLOWED => MethodNotAllowed,
            StatusCode::REQUEST_TIMEOUT => RequestTimeout,
            StatusCode::PAYLOAD_TOO_LARGE => BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => Unauthorized,
            StatusCode::FORBIDDEN => Forbidden,
            StatusCode::SERVICE_UNAVAILABLE => Busy,
            s if s.is_server_error() => Internal,
            _ => BadRequest,
        })
    }

    pub fn status(self) -> StatusCode {
        use dayplan::ErrorCode as D;
        use ServiceCode::*;
        match self {
            // Unreadable input; every other mistake in the day is readable but wrong.
            ErrorCode::Day(D::MalformedJson | D::CsvError) => StatusCode::BAD_REQUEST,
            ErrorCode::Day(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Service(s) => match s {
                InvalidParameter | BadRequest => StatusCode::BAD_REQUEST,
                DeadlinePassed => StatusCode::UNPROCESSABLE_ENTITY,
                BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Unauthorized => StatusCode::UNAUTHORIZED,
                Forbidden => StatusCode::FORBIDDEN,
                NotFound => StatusCode::NOT_FOUND,
                MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
                RequestTimeout => StatusCode::REQUEST_TIMEOUT,
                PlanNotReady | VersionConflict | PlanFinished | OptionStale => StatusCode::CONFLICT,
                Busy => StatusCode::SERVICE_UNAVAILABLE,
                Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }
}

/// One problem with the input, located by its JSON path (`requests[3].weight_kg`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub code: ErrorCode,
    /// JSON path from the document root; empty for the whole body.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(
        code: impl Into<ErrorCode>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl From<dayplan::FieldError> for FieldError {
    fn from(e: dayplan::FieldError) -> Self {
        Self {
            code: ErrorCode::Day(e.code),
            path: e.path,
            message: e.message,
        }
    }
}

pub use dayplan::MAX_LISTED_ERRORS;

#[derive(Debug)]
pub struct ApiError {
    /// The first entry decides the status code; all are listed.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(
        code: impl Into<ErrorCode>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            errors: vec![FieldError::new(code, path, message)],
        }
    }
    pub fn many<E: Into<FieldError>>(errors: Vec<E>) -> Self {
        assert!(!errors.is_empty(), "an ApiError lists at least one error");
        let errors = errors
            .into_iter()
            .take(MAX_LISTED_ERRORS)
            .map(Into::into)
            .collect();
        Self { errors }
    }
    pub fn code(&self) -> ErrorCode {
        self.errors[0].code
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ServiceCode::NotFound, "", format!("{what} not found"))
    }
    pub fn forbidden(msg: &str) -> Self {
        Self::new(ServiceCode::Forbidden, "", msg)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            ServiceCode::Unauthorized,
            "",
            "a valid token is required: Authorization: Bearer <token>",
        )
    }
    /// An internal failure: the cause is logged (it holds no personal data:
    /// store and I/O errors only), the client gets a fixed message.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            ServiceCode::Internal,
            "",
            "internal error; the request was not lost if it was acknowledged",
        )
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: ErrorCode,
    path: &'a str,
    message: &'a str,
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let first = &self.errors[0];
        let body = Body {
            code: first.code,
            path: &first.path,
            message: &first.message,
            errors: &self.errors,
        };
        (first.code.status(), axum::Json(body)).into_response()
    }
}

impl From<dayplan::FieldError> for ApiError {
    fn from(e: dayplan::FieldError) -> Self {
        Self {
            errors: vec![e.into()],
        }
    }
}

impl From<desk::Code> for ErrorCode {
    fn from(c: desk::Code) -> Self {
        use desk::Code as C;
        match c {
            C::Input(c) => ErrorCode::Day(c),
            C::DeadlinePassed => ServiceCode::DeadlinePassed.into(),
            C::NotFound => ServiceCode::NotFound.into(),
            C::OptionStale => ServiceCode::OptionStale.into(),
            C::PlanFinished => ServiceCode::PlanFinished.into(),
            C::PlanNotReady => ServiceCode::PlanNotReady.into(),
            C::VersionConflict => ServiceCode::VersionConflict.into(),
        }
    }
}

impl From<desk::DeskError> for ApiError {
    fn from(e: desk::DeskError) -> Self {
        match e {
            desk::DeskError::Refused(r) => ApiError::many(
                r.into_iter()
                    .map(|r| FieldError::new(ErrorCode::from(r.code), r.path, r.message))
                    .collect(),
            ),
            desk::DeskError::Internal(cause) => ApiError::internal(&cause),
        }
    }
}

impl From<crate::jobs::AdmitError> for ApiError {
    fn from(e: crate::jobs::AdmitError) -> Self {
        use crate::jobs::AdmitError as A;
        match e {
            A::Invalid(errors) => ApiError::many(errors),
            A::OtherOffice => ApiError::new(
                ServiceCode::Forbidden,
                "street_office.id",
                "this token belongs to another street office",
            ),
            A::Store(e) => e.into(),
            A::Internal(cause) => ApiError::internal(&cause),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Conflict { .. } => {
                ApiError::new(ServiceCode::VersionConflict, "", e.to_string())
            }
            e => ApiError::internal(&e),
        }
    }
}

/// Middleware: every error answer that is not already the API's JSON (axum's
/// own rejections: an unknown method, a body or query it could not read) is
/// rewritten into the documented JSON error, so a client parses one format
/// whatever went wrong. HTML answers (the volunteer's friendly pages) are
/// left alone: a person reads those.
pub async fn json_rejections(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let ctype = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/json") || ctype.starts_with("text/html") {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // The framework's own text (short, no request data) is the message when there is one.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let code = ErrorCode::for_status(status);
    let message = match code {
        // axum adds the Allow header after this layer, so the message points at it.
        ErrorCode::Service(ServiceCode::MethodNotAllowed) => {
            "this endpoint does not take this method; the Allow header lists the ones it takes"
                .to_string()
        }
        _ if !text.is_empty() => text,
        _ => status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_string(),
    };
    let mut out = ApiError::new(code, "", message).into_response();
    // Headers the framework set (Allow on a 405) stay; the body and its type are replaced.
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
