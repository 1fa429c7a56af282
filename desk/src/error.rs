//! Why the desk refuses a question or a change. One type for every entry
//! point; the HTTP service maps it to status codes in one place
//! (`api::error`). Nothing here knows HTTP.

pub use dayplan::ErrorCode;

/// What kind of refusal: a mistake in the input (the day's own codes), or
/// something about the plan's state at this moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The input itself is wrong (a missing field, a value out of range, …).
    Input(ErrorCode),
    /// An urgent order whose deadline is not after now.
    DeadlinePassed,
    /// No such squad or request in this plan.
    NotFound,
    /// The option no longer holds (a stop was done meanwhile, the deadline is
    /// missed, it breaks another stop): ask again.
    OptionStale,
    /// The day is over (every squad finished), or this squad's is.
    PlanFinished,
    /// The plan has no result to work on yet.
    PlanNotReady,
    /// The change was computed on another version of the plan.
    VersionConflict,
}

impl From<ErrorCode> for Code {
    fn from(c: ErrorCode) -> Self {
        Code::Input(c)
    }
}

/// One refused field (the JSON path in the desk's input) with a message for
/// the desk's staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// Refused, with every reason (the first decides the answer's status).
    #[error("{}", .0.first().map_or("refused", |r| r.message.as_str()))]
    Refused(Vec<Refusal>),
    /// Something inside failed (a stored day that no longer snaps, a lock
    /// poisoned): not the caller's mistake. The message holds no personal data.
    #[error("{0}")]
    Internal(String),
}

impl DeskError {
    pub fn new(code: impl Into<Code>, path: impl Into<String>, message: impl Into<String>) -> Self {
        DeskError::Refused(vec![Refusal {
            code: code.into(),
            path: path.into(),
            message: message.into(),
        }])
    }
    /// Every mistake found in an input (at least one).
    pub fn many(errors: Vec<dayplan::FieldError>) -> Self {
        debug_assert!(!errors.is_empty());
        DeskError::Refused(
            errors
                .into_iter()
                .map(|e| Refusal {
                    code: Code::Input(e.code),
                    path: e.path,
                    message: e.message,
                })
                .collect(),
        )
    }
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        DeskError::Internal(cause.to_string())
    }
    /// The first refusal's code (`None` for an internal failure).
    pub fn code(&self) -> Option<Code> {
        match self {
            DeskError::Refused(r) => r.first().map(|r| r.code),
            DeskError::Internal(_) => None,
        }
    }
}
