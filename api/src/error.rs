//! One error type for the HTTP edge, turned into a JSON body with a stable code
//! and the JSON path of the offending field. Internal details never reach the
//! client: a store failure is `internal` with no message of its own.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable error codes; clients may match on them. Listed in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON (or not UTF-8), is cut short, or has anything but
    /// white space after the JSON document.
    MalformedJson,
    /// A query or path parameter that cannot be read (`?limit=abc`, an id that is not UTF-8).
    InvalidParameter,
    /// A request the HTTP layer could not read (no more precise code applies).
    BadRequest,
    /// A field the schema does not know (often a unit missing from the name: `weight` for `weight_kg`).
    UnknownField,
    MissingField,
    /// A value of the wrong JSON type (a string where a number is expected, ...).
    InvalidType,
    /// A value of the right type but not allowed (an unknown enum word, an empty id, a bad date).
    InvalidValue,
    /// A time of day not written `"HH:MM"`.
    InvalidTime,
    /// A number outside its plausible range (latitude, weight, capacity, floor).
    OutOfRange,
    /// A window or shift that ends before it starts.
    ImpossibleWindow,
    DuplicateId,
    /// A reference (depot, building) to an id that is not in the day.
    UnknownReference,
    /// A request with neither lat/lon nor a building.
    MissingLocation,
    /// A request with both lat/lon and a building.
    AmbiguousLocation,
    /// More requests, squads, items or skills than one day may hold.
    LimitExceeded,
    /// A point too far from every road of the map.
    OffMap,
    /// A CSV row that cannot be read.
    CsvError,
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

impl ErrorCode {
    /// Every code, for the test that checks the OpenAPI document lists each
    /// one under the status it is answered with.
    pub const ALL: [ErrorCode; 31] = {
        use ErrorCode::*;
        [
            MalformedJson,
            InvalidParameter,
            BadRequest,
            UnknownField,
            MissingField,
            InvalidType,
            InvalidValue,
            InvalidTime,
            OutOfRange,
            ImpossibleWindow,
            DuplicateId,
            UnknownReference,
            MissingLocation,
            AmbiguousLocation,
            LimitExceeded,
            OffMap,
            CsvError,
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

    /// The code a framework-level rejection with this status stands for
    /// (see [`json_rejections`]).
    pub fn for_status(status: StatusCode) -> Self {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Busy,
            s if s.is_server_error() => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        }
    }

    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MalformedJson | CsvError | InvalidParameter | BadRequest => StatusCode::BAD_REQUEST,
            UnknownField | MissingField | InvalidType | InvalidValue | InvalidTime | OutOfRange
            | ImpossibleWindow | DuplicateId | UnknownReference | MissingLocation
            | AmbiguousLocation | LimitExceeded | OffMap | DeadlinePassed => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
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
        }
    }
}

impl From<dayplan::ErrorCode> for ErrorCode {
    /// A mistake in the day keeps its name: the service's codes are a superset.
    fn from(c: dayplan::ErrorCode) -> Self {
        use dayplan::ErrorCode as D;
        match c {
            D::MalformedJson => ErrorCode::MalformedJson,
            D::UnknownField => ErrorCode::UnknownField,
            D::MissingField => ErrorCode::MissingField,
            D::InvalidType => ErrorCode::InvalidType,
            D::InvalidValue => ErrorCode::InvalidValue,
            D::InvalidTime => ErrorCode::InvalidTime,
            D::OutOfRange => ErrorCode::OutOfRange,
            D::ImpossibleWindow => ErrorCode::ImpossibleWindow,
            D::DuplicateId => ErrorCode::DuplicateId,
            D::UnknownReference => ErrorCode::UnknownReference,
            D::MissingLocation => ErrorCode::MissingLocation,
            D::AmbiguousLocation => ErrorCode::AmbiguousLocation,
            D::LimitExceeded => ErrorCode::LimitExceeded,
            D::OffMap => ErrorCode::OffMap,
            D::CsvError => ErrorCode::CsvError,
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
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl From<dayplan::FieldError> for FieldError {
    fn from(e: dayplan::FieldError) -> Self {
        Self {
            code: e.code.into(),
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
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
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
        Self::new(ErrorCode::NotFound, "", format!("{what} not found"))
    }
    pub fn forbidden(msg: &str) -> Self {
        Self::new(ErrorCode::Forbidden, "", msg)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "",
            "a valid token is required: Authorization: Bearer <token>",
        )
    }
    /// An internal failure: the cause is logged (it holds no personal data:
    /// store and I/O errors only), the client gets a fixed message.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            ErrorCode::Internal,
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
            C::Input(c) => c.into(),
            C::DeadlinePassed => ErrorCode::DeadlinePassed,
            C::NotFound => ErrorCode::NotFound,
            C::OptionStale => ErrorCode::OptionStale,
            C::PlanFinished => ErrorCode::PlanFinished,
            C::PlanNotReady => ErrorCode::PlanNotReady,
            C::VersionConflict => ErrorCode::VersionConflict,
        }
    }
}

impl From<desk::DeskError> for ApiError {
    fn from(e: desk::DeskError) -> Self {
        match e {
            desk::DeskError::Refused(r) => ApiError::many(
                r.into_iter()
                    .map(|r| FieldError::new(r.code.into(), r.path, r.message))
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
                ErrorCode::Forbidden,
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
                ApiError::new(ErrorCode::VersionConflict, "", e.to_string())
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
        ErrorCode::MethodNotAllowed => {
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
