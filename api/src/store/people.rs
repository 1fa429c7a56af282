//! People of a street office who sign in to the console (coordinators and
//! desks), their one-time sign-in links and sessions, and the volunteers'
//! links made on the console's pages.
//!
//! Sign-in codes and session ids are 128-bit random values; only their
//! SHA-256 is stored, so a copy of the database opens no session. (A slow
//! password hash is for guessable secrets; these are not.) A sign-in link
//! works once and expires after [`SIGNIN_LINK_S`]; a session after
//! [`SESSION_S`].
//!
//! A volunteer's link is stored as it is: it is printed on every sheet (as a
//! QR code) and must be printable again; it opens only its own squad's stops,
//! and a coordinator replaces a lost one (the old one stops working).

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{now_unix, Result, Store};

/// How long a sign-in link works (once).
pub const SIGNIN_LINK_S: i64 = 24 * 3600;
/// How long a console session lasts: one working day.
pub const SESSION_S: i64 = 12 * 3600;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    office TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signin_links (
    code_hash TEXT PRIMARY KEY,
    person INTEGER NOT NULL REFERENCES people(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    person INTEGER NOT NULL REFERENCES people(id),
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS volunteer_links (
    token TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    squad TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS volunteer_links_by_office ON volunteer_links(office, squad);
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonRole {
    Coordinator,
    Desk,
}

impl PersonRole {
    pub fn code(self) -> &'static str {
        match self {
            PersonRole::Coordinator => "coordinator",
            PersonRole::Desk => "desk",
        }
    }
    pub fn parse(s: &str) -> Option<PersonRole> {
        match s {
            "coordinator" => Some(PersonRole::Coordinator),
            "desk" => Some(PersonRole::Desk),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub office: String,
    pub name: String,
    pub role: PersonRole,
    pub created_at: i64,
}

/// Whom a session cookie belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOf {
    pub person: Person,
    pub expires_at: i64,
}

fn digest(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn row_to_person(r: &rusqlite::Row) -> rusqlite::Result<Person> {
    let role: String = r.get(3)?;
    Ok(Person {
        id: r.get(0)?,
        office: r.get(1)?,
        name: r.get(2)?,
        role: PersonRole::parse(&role).unwrap_or(PersonRole::Desk),
        created_at: r.get(4)?,
    })
}

impl Store {
    /// Adds a person to an office; returns their id.
    pub fn add_person(&self, office: &str, name: &str, role: PersonRole) -> Result<i64> {
        self.write(|c| {
            c.execute(
                "INSERT INTO people (office, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![office, name, role.code(), now_unix()],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    pub fn people_of_office(&self, office: &str) -> Result<Vec<Person>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, office, name, role, created_at FROM people WHERE office = ?1 ORDER BY id",
            )?;
            let rows = st.query_map(params![office], row_to_person)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Stores a new sign-in link for `person` (its code given in clear, kept
    /// hashed), valid once for [`SIGNIN_LINK_S`] from `now`.
    pub fn add_signin_link(&self, person: i64, code: &str, now: i64) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO signin_links (code_hash, person, expires_at) VALUES (?1, ?2, ?3)",
                params![digest(code), person, now + SIGNIN_LINK_S],
            )?;
            Ok(())
        })
    }

    /// Uses a sign-in link: when it is known, unused and not expired, marks
    /// it used and opens a session `session_id` for its person (in one
    /// transaction: a link opens one session, however often it is clicked).
    pub fn sign_in(&self, code: &str, session_id: &str, now: i64) -> Result<Option<SessionOf>> {
        self.write(|c| {
            let tx = c.transaction()?;
            let person: Option<i64> = tx
                .query_row(
                    "SELECT person FROM signin_links WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                    params![digest(code), now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(person) = person else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE signin_links SET used_at = ?2 WHERE code_hash = ?1",
                params![digest(code), now],
            )?;
            tx.execute(
                "INSERT INTO sessions (id_hash, person, expires_at) VALUES (?1, ?2, ?3)",
                params![digest(session_id), person, now + SESSION_S],
            )?;
            let p = tx.query_row(
                "SELECT id, office, name, role, created_at FROM people WHERE id = ?1",
                params![person],
                row_to_person,
            )?;
            tx.commit()?;
            Ok(Some(SessionOf {
                person: p,
                expires_at: now + SESSION_S,
            }))
        })
    }

    /// The person of a session id, while it lasts.
    pub fn session(&self, session_id: &str, now: i64) -> Result<Option<SessionOf>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT p.id, p.office, p.name, p.role, p.created_at, s.expires_at
                 FROM sessions s JOIN people p ON p.id = s.person
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2",
                params![digest(session_id), now],
                |r| {
                    Ok(SessionOf {
                        person: row_to_person(r)?,
                        expires_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// Ends a session (sign out), and drops sessions that expired.
    pub fn end_session(&self, session_id: &str, now: i64) -> Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sessions WHERE id_hash = ?1 OR expires_at <= ?2",
                params![digest(session_id), now],
            )?;
            Ok(())
        })
    }

    /// A new link for a squad's volunteers; the squad's earlier links stop
    /// working (a lost sheet is replaced, not added to).
    pub fn replace_volunteer_link(&self, office: &str, squad: &str, token: &str) -> Result<()> {
        let now = now_unix();
        self.write(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE volunteer_links SET revoked_at = ?3 WHERE office = ?1 AND squad = ?2 AND revoked_at IS NULL",
                params![office, squad, now],
            )?;
            tx.execute(
                "INSERT INTO volunteer_links (token, office, squad, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![token, office, squad, now],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The office and squad of a volunteer link made on the console, while
    /// it is not replaced.
    pub fn volunteer_link(&self, token: &str) -> Result<Option<(String, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT office, squad FROM volunteer_links WHERE token = ?1 AND revoked_at IS NULL",
                params![token],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// The live volunteer links of an office, as (squad, token).
    pub fn volunteer_links(&self, office: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT squad, token FROM volunteer_links WHERE office = ?1 AND revoked_at IS NULL ORDER BY squad",
            )?;
            let rows = st.query_map(params![office], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile_dir::Dir, Store) {
        let d = tempfile_dir::Dir::new();
        let s = Store::open(&d.0.join("t.db")).unwrap();
        (d, s)
    }

    /// A directory removed at the end of the test (no extra crate for it).
    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir().join(format!("lm-people-{:x}", rand::random::<u64>()));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn a_signin_link_opens_one_session_once_and_expires() {
        let (_d, s) = store();
        let p = s
            .add_person("o1", "王协调", PersonRole::Coordinator)
            .unwrap();
        s.add_signin_link(p, "code-1", 1000).unwrap();
        // Expired links open nothing.
        assert!(s
            .sign_in("code-1", "sess-0", 1000 + SIGNIN_LINK_S)
            .unwrap()
            .is_none());
        let got = s.sign_in("code-1", "sess-1", 2000).unwrap().unwrap();
        assert_eq!(got.person.name, "王协调");
        assert_eq!(got.person.role, PersonRole::Coordinator);
        // Used once: a second click (or a copied link) opens nothing.
        assert!(s.sign_in("code-1", "sess-2", 2001).unwrap().is_none());
        assert_eq!(s.session("sess-1", 2002).unwrap().unwrap().person.id, p);
        assert!(s.session("sess-2", 2002).unwrap().is_none());
        assert!(
            s.session("sess-1", 2000 + SESSION_S).unwrap().is_none(),
            "sessions expire"
        );
        s.end_session("sess-1", 2003).unwrap();
        assert!(s.session("sess-1", 2004).unwrap().is_none());
        // Only hashes are stored.
        let stored: String = s
            .read(|c| {
                Ok(c.query_row(
                    "SELECT group_concat(code_hash) FROM signin_links",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert!(!stored.contains("code-1"));
    }

    #[test]
    fn a_new_volunteer_link_replaces_the_old_one() {
        let (_d, s) = store();
        s.replace_volunteer_link("o1", "S01", "tok-a").unwrap();
        assert_eq!(
            s.volunteer_link("tok-a").unwrap(),
            Some(("o1".into(), "S01".into()))
        );
        s.replace_volunteer_link("o1", "S01", "tok-b").unwrap();
        assert_eq!(s.volunteer_link("tok-a").unwrap(), None);
        assert_eq!(
            s.volunteer_links("o1").unwrap(),
            vec![("S01".into(), "tok-b".into())]
        );
        assert!(s.volunteer_links("o2").unwrap().is_empty());
    }
}
