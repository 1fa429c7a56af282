//! Who may see what. Tokens are configured at start-up in a JSON file:
//!
//! ```json
//! { "offices": [ {
//!     "id": "chunxi",
//!     "coordinators": ["<token>"],
//!     "desks": ["<token>"],
//!     "volunteers": [ { "squad": "A", "token": "<token>" } ]
//! } ] }
//! ```
//!
//! - a coordinator sees and creates everything of its own street office;
//! - an escalation desk reads its office's plans and sheets, records
//!   progress, inserts urgent orders and re-plans (see `crate::desk`);
//! - a volunteer token is a link (`/s/<token>`) that opens one squad's sheet
//!   in the office's newest plan and nothing else; it may also record its
//!   own squad's progress (`desk_routes`). Every other endpoint refuses it.
//!
//! Another office's plan answers 404, not 403, so plan ids do not leak. Tokens
//! never reach the logs (the access log records the route template, not the URI).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use thiserror::Error;

use crate::error::ApiError;

/// Short tokens could be guessed by walking the link space.
pub const MIN_TOKEN_CHARS: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Coordinator,
    Desk,
    Volunteer { squad: String },
}

/// The authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub office: String,
    pub role: Role,
}

impl Principal {
    /// Coordinators and desks read everything of their office; volunteers go through `/s/<token>` only.
    pub fn require_office_reader(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Coordinator | Role::Desk => Ok(()),
            Role::Volunteer { .. } => Err(ApiError::forbidden(
                "a volunteer link opens its own sheet only: /s/<token>",
            )),
        }
    }
    pub fn require_coordinator(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Coordinator => Ok(()),
            _ => Err(ApiError::forbidden(
                "only a coordinator of the street office may do this",
            )),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    offices: Vec<OfficeConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeConfig {
    id: String,
    #[serde(default)]
    coordinators: Vec<String>,
    #[serde(default)]
    desks: Vec<String>,
    #[serde(default)]
    volunteers: Vec<VolunteerConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VolunteerConfig {
    squad: String,
    token: String,
}

#[derive(Debug, Error)]
pub enum AccessError {
    #[error("access file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("access file: office {office}: a token is shorter than {MIN_TOKEN_CHARS} characters")]
    ShortToken { office: String },
    #[error("access file: a token is used twice (office {office})")]
    DuplicateToken { office: String },
    #[error("access file: office id {0:?} appears twice")]
    DuplicateOffice(String),
}

/// The token table, fixed for the life of the process.
#[derive(Debug, Default, Clone)]
pub struct Access {
    tokens: HashMap<String, Principal>,
}

impl Access {
    pub fn from_json(text: &str) -> Result<Access, AccessError> {
        let cfg: FileConfig = serde_json::from_str(text)?;
        let mut access = Access::default();
        let mut offices = std::collections::HashSet::new();
        for o in cfg.offices {
            if !offices.insert(o.id.clone()) {
                return Err(AccessError::DuplicateOffice(o.id));
            }
            let entries = o
                .coordinators
                .iter()
                .map(|t| (t, Role::Coordinator))
                .chain(o.desks.iter().map(|t| (t, Role::Desk)))
                .chain(o.volunteers.iter().map(|v| {
                    (
                        &v.token,
                        Role::Volunteer {
                            squad: v.squad.clone(),
                        },
                    )
                }));
            for (token, role) in entries {
                access.add(
                    token,
                    Principal {
                        office: o.id.clone(),
                        role,
                    },
                )?;
            }
        }
        Ok(access)
    }

    pub fn add(&mut self, token: &str, p: Principal) -> Result<(), AccessError> {
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(AccessError::ShortToken { office: p.office });
        }
        if self.tokens.contains_key(token) {
            return Err(AccessError::DuplicateToken { office: p.office });
        }
        self.tokens.insert(token.to_string(), p);
        Ok(())
    }

    pub fn lookup(&self, token: &str) -> Option<&Principal> {
        self.tokens.get(token)
    }

    /// The volunteer links of an office from the access file, as (squad, token).
    pub fn volunteers(&self, office: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .tokens
            .iter()
            .filter_map(|(t, p)| match &p.role {
                Role::Volunteer { squad } if p.office == office => Some((squad.clone(), t.clone())),
                _ => None,
            })
            .collect();
        out.sort();
        out
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// A fresh random token for generated access files (demo, tests): 128 bits, hex.
pub fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync + AsRef<Access>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = header
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        state
            .as_ref()
            .lookup(token)
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_roles_and_refuses_weak_files() {
        let a = Access::from_json(
            r#"{"offices":[{"id":"o1","coordinators":["cccccccccccccccc1"],"desks":["dddddddddddddddd1"],
                "volunteers":[{"squad":"A","token":"vvvvvvvvvvvvvvvv1"}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            a.lookup("vvvvvvvvvvvvvvvv1").unwrap().role,
            Role::Volunteer { squad: "A".into() }
        );
        assert_eq!(a.lookup("cccccccccccccccc1").unwrap().office, "o1");
        assert!(a.lookup("nope").is_none());
        assert!(matches!(
            Access::from_json(r#"{"offices":[{"id":"o","coordinators":["short"]}]}"#),
            Err(AccessError::ShortToken { .. })
        ));
        assert!(matches!(
            Access::from_json(
                r#"{"offices":[{"id":"o","coordinators":["aaaaaaaaaaaaaaaa"],"desks":["aaaaaaaaaaaaaaaa"]}]}"#
            ),
            Err(AccessError::DuplicateToken { .. })
        ));
    }
}
