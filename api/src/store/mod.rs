//! The embedded store (SQLite in WAL mode, `synchronous=FULL`): plans, their
//! versions and their route sheets.
//!
//! Invariants:
//! - a plan request is committed here before the client hears "accepted";
//! - a plan's status only moves queued → solving → done | failed, and a
//!   restart moves every queued or solving plan back to queued (resumed) or to
//!   failed with a reason when it was interrupted too often; a plan that
//!   failed on a storage error (disk full) is marked for retry and resumed
//!   at the next start too: nothing was wrong with the day;
//! - results are versioned (`plan_versions`); a squad's sheet carries its own
//!   version, bumped only when the squad's route changes (its hash differs), so
//!   a re-plan leaves untouched sheets byte-for-byte the same.
//!
//! One write connection behind a mutex and a few read connections: WAL lets
//! readers (sheet downloads) run while a result is written.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use thiserror::Error;

use dayplan::dto::{PlanStatus, Progress, Timings};

mod people;
pub use people::{Person, PersonRole, SessionOf, SESSION_S, SIGNIN_LINK_S};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored JSON is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the plan is at version {found}, not {expected}: re-read it and try again")]
    Conflict { expected: u32, found: u32 },
    #[error("database lock poisoned")]
    Poisoned,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How often a plan may be interrupted (crash, kill) before it is marked failed
/// instead of resumed: a request that crashes the process must not crash it forever.
pub const MAX_ATTEMPTS: u32 = 3;

const READERS: usize = 4;

pub struct Store {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// A plan's row, without the (large) request and result.
#[derive(Clone, Debug)]
pub struct PlanRow {
    pub id: String,
    pub office: String,
    pub status: PlanStatus,
    pub version: u32,
    pub created_at: i64,
    pub date: String,
    pub requests: usize,
    pub squads: usize,
    pub attempts: u32,
    pub failure: Option<String>,
    pub progress: Option<Progress>,
    pub timings: Option<Timings>,
}

/// A plan to store on acceptance.
pub struct NewPlan<'a> {
    pub id: &'a str,
    pub office: &'a str,
    pub date: &'a str,
    pub requests: usize,
    pub squads: usize,
    /// The validated day (CSV already turned into requests), as JSON.
    pub request_json: &'a str,
}

/// One rendered sheet to store with a result.
pub struct SheetIn {
    pub squad: String,
    pub lang: String,
    pub sheet_version: u32,
    /// Hash of what the sheet shows of the route; equal hash ⇒ same sheet version.
    pub route_hash: String,
    pub html: String,
}

impl From<dayplan::publish::RenderedSheet> for SheetIn {
    fn from(s: dayplan::publish::RenderedSheet) -> Self {
        Self {
            squad: s.squad,
            lang: s.lang.code().into(),
            sheet_version: s.sheet_version,
            route_hash: s.route_hash,
            html: s.html,
        }
    }
}

/// A result version to store: the plan JSON (it embeds the plan version, so
/// the caller writes it for `based_on + 1`), the GeoJSON, and only the sheets
/// that changed.
pub struct ResultIn {
    pub result_json: String,
    pub geojson: String,
    pub sheets: Vec<SheetIn>,
    pub timings: Timings,
}

/// What [`Store::startup_recovery`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    pub resumed: Vec<String>,
    pub failed: Vec<String>,
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `2025-01-15T08:30:00Z` from unix seconds (civil-from-days, Howard Hinnant's algorithm).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn open_conn(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk before the client is told "accepted".
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    date TEXT NOT NULL,
    request_count INTEGER NOT NULL,
    squad_count INTEGER NOT NULL,
    request_json TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    failure TEXT,
    progress_json TEXT,
    timings_json TEXT
);
CREATE INDEX IF NOT EXISTS plans_by_office ON plans(office, date, created_at);
CREATE TABLE IF NOT EXISTS plan_versions (
    plan_id TEXT NOT NULL REFERENCES plans(id),
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    result_json TEXT NOT NULL,
    geojson TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);
CREATE TABLE IF NOT EXISTS sheets (
    plan_id TEXT NOT NULL REFERENCES plans(id),
    squad TEXT NOT NULL,
    lang TEXT NOT NULL,
    sheet_version INTEGER NOT NULL,
    plan_version INTEGER NOT NULL,
    route_hash TEXT NOT NULL,
    html TEXT NOT NULL,
    PRIMARY KEY (plan_id, squad, lang)
);
CREATE TABLE IF NOT EXISTS progress_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    squad TEXT NOT NULL,
    event_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS progress_by_plan ON progress_events(plan_id, seq);
";

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        let writer = open_conn(path)?;
        writer.execute_batch(SCHEMA)?;
        writer.execute_batch(people::SCHEMA)?;
        migrate(&writer)?;
        let readers = (0..READERS)
            .map(|_| open_conn(path).map(Mutex::new))
            .collect::<Result<_>>()?;
        Ok(Self {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    fn write<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut c = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut c)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first free reader from a rotating start; block on one if all are busy.
        for k in 0..self.readers.len() {
            if let Ok(c) = self.readers[(start + k) % self.readers.len()].try_lock() {
                return f(&c);
            }
        }
        let c = self.readers[start % self.readers.len()]
            .lock()
            .map_err(|_| StoreError::Poisoned)?;
        f(&c)
    }

    /// Stores an accepted plan (durably: returns after the commit).
    pub fn insert_plan(&self, p: &NewPlan) -> Result<()> {
        let now = now_unix();
        self.write(|c| {
            c.execute(
                "INSERT INTO plans (id, office, status, created_at, updated_at, date, request_count, squad_count, request_json)
                 VALUES (?1, ?2, 'queued', ?3, ?3, ?4, ?5, ?6, ?7)",
                params![p.id, p.office, now, p.date, p.requests as i64, p.squads as i64, p.request_json],
            )?;
            Ok(())
        })
    }

    /// Marks a plan as solving and counts the attempt.
    pub fn start_attempt(&self, id: &str) -> Result<u32> {
        self.write(|c| {
            c.execute(
                "UPDATE plans SET status='solving', attempts=attempts+1, updated_at=?2 WHERE id=?1",
                params![id, now_unix()],
            )?;
            Ok(c.query_row("SELECT attempts FROM plans WHERE id=?1", [id], |r| r.get(0))?)
        })
    }

    pub fn set_progress(&self, id: &str, progress: &Progress) -> Result<()> {
        let json = serde_json::to_string(progress)?;
        self.write(|c| {
            c.execute(
                "UPDATE plans SET progress_json=?2, updated_at=?3 WHERE id=?1",
                params![id, json, now_unix()],
            )?;
            Ok(())
        })
    }

    pub fn fail(&self, id: &str, reason: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE plans SET status='failed', failure=?2, updated_at=?3 WHERE id=?1",
                params![id, reason, now_unix()],
            )?;
            Ok(())
        })
    }

    /// Marks a plan failed because the store could not be written (disk full,
    /// I/O error): the coordinator sees why, and the next start resumes it.
    /// The attempt is not counted against [`MAX_ATTEMPTS`]: the day did
    /// nothing wrong. This write is a small in-place update, so it usually
    /// succeeds where the result's write did not; if it fails too the plan
    /// stays `solving` and is resumed all the same.
    pub fn fail_storage(&self, id: &str, cause: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE plans SET status='failed', retry_on_start=1, attempts=max(attempts-1, 0), failure=?2, updated_at=?3 WHERE id=?1",
                params![
                    id,
                    format!("the result could not be stored ({cause}); the plan is solved again when the service restarts"),
                    now_unix()
                ],
            )?;
            Ok(())
        })
    }

    /// Puts a plan whose solve was interrupted by a graceful stop back to
    /// `queued` (resumed at the next start); the interrupted attempt is not
    /// counted.
    pub fn requeue(&self, id: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "UPDATE plans SET status='queued', attempts=max(attempts-1, 0), progress_json=NULL, updated_at=?2 WHERE id=?1",
                params![id, now_unix()],
            )?;
            Ok(())
        })
    }

    /// Caps the database at `pages` pages (SQLite's `max_page_count`, for this
    /// process only): past it every write fails with "database or disk is
    /// full", exactly as on a full disk. Tests use it to fill the "disk";
    /// the service does not.
    pub fn cap_pages(&self, pages: u64) -> Result<()> {
        self.write(|c| {
            c.pragma_update(None, "max_page_count", pages as i64)?;
            Ok(())
        })
    }

    /// Pages the database file has now (see [`Store::cap_pages`]).
    pub fn page_count(&self) -> Result<u64> {
        self.write(|c| Ok(c.query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))? as u64))
    }

    /// The stored sheets of a plan: `(squad, lang) -> (sheet version, route hash)`.
    /// The caller re-renders only the squads whose route hash changed.
    pub fn sheet_state(&self, plan: &str) -> Result<HashMap<(String, String), (u32, String)>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT squad, lang, sheet_version, route_hash FROM sheets WHERE plan_id=?1",
            )?;
            let rows = st
                .query_map([plan], |r| {
                    Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Stores version `based_on + 1` of a plan's result with the sheets that
    /// changed, in one transaction. Fails with [`StoreError::Conflict`] when the
    /// plan moved past `based_on` meanwhile (two desks committing at once):
    /// the second writer must re-read, never overwrite.
    /// `day` replaces the stored day in the same transaction when planning
    /// added to it (a lockdown day's gate drops), with its request count.
    pub fn store_result(
        &self,
        id: &str,
        based_on: u32,
        result: &ResultIn,
        day: Option<(&str, usize)>,
    ) -> Result<u32> {
        let timings_json = serde_json::to_string(&result.timings)?;
        self.write(|c| {
            let tx = c.transaction()?;
            let new_version = insert_version(&tx, id, based_on, result)?;
            tx.execute(
                "UPDATE plans SET status='done', version=?2, timings_json=?3, failure=NULL, updated_at=?4 WHERE id=?1",
                params![id, new_version, timings_json, now_unix()],
            )?;
            if let Some((json, count)) = day {
                tx.execute(
                    "UPDATE plans SET request_json=?2, request_count=?3 WHERE id=?1",
                    params![id, json, count as i64],
                )?;
            }
            tx.commit()?;
            Ok(new_version)
        })
    }

    /// Stores a desk result (urgent order, re-plan): like [`Store::store_result`],
    /// and when `day_json` is given (the day gained a request) the stored day
    /// is replaced in the same transaction, so the plan and its day never disagree.
    pub fn store_desk_result(
        &self,
        id: &str,
        based_on: u32,
        result: &ResultIn,
        day: Option<(&str, usize)>,
    ) -> Result<u32> {
        self.write(|c| {
            let tx = c.transaction()?;
            let new_version = insert_version(&tx, id, based_on, result)?;
            tx.execute(
                "UPDATE plans SET version=?2, updated_at=?3 WHERE id=?1",
                params![id, new_version, now_unix()],
            )?;
            if let Some((json, count)) = day {
                tx.execute(
                    "UPDATE plans SET request_json=?2, request_count=?3 WHERE id=?1",
                    params![id, json, count as i64],
                )?;
            }
            tx.commit()?;
            Ok(new_version)
        })
    }

    /// Appends one progress event (durably) and returns its sequence number.
    pub fn add_progress(&self, plan: &str, squad: &str, event_json: &str) -> Result<i64> {
        self.write(|c| {
            c.execute(
                "INSERT INTO progress_events (plan_id, squad, event_json, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![plan, squad, event_json, now_unix()],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// A plan's progress events in the order they were recorded: `(squad, event JSON)`.
    pub fn progress_events(&self, plan: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT squad, event_json FROM progress_events WHERE plan_id=?1 ORDER BY seq",
            )?;
            let rows = st
                .query_map([plan], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Records the final timings (the store time is known only after the result's commit).
    pub fn set_timings(&self, id: &str, timings: &Timings) -> Result<()> {
        let json = serde_json::to_string(timings)?;
        self.write(|c| {
            c.execute(
                "UPDATE plans SET timings_json=?2 WHERE id=?1",
                params![id, json],
            )?;
            Ok(())
        })
    }

    /// On start-up: every plan left queued or solving by a previous process,
    /// or failed on a storage error, is resumed (set back to queued) or, after
    /// [`MAX_ATTEMPTS`] interrupted attempts, marked failed with the reason.
    pub fn startup_recovery(&self) -> Result<Recovery> {
        self.write(|c| {
            let tx = c.transaction()?;
            let rows: Vec<(String, u32)> = {
                let mut st = tx.prepare("SELECT id, attempts FROM plans WHERE status IN ('queued','solving') OR (status='failed' AND retry_on_start=1) ORDER BY created_at, id")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            let mut rec = Recovery::default();
            for (id, attempts) in rows {
                if attempts >= MAX_ATTEMPTS {
                    tx.execute(
                        "UPDATE plans SET status='failed', retry_on_start=0, failure=?2, updated_at=?3 WHERE id=?1",
                        params![
                            id,
                            format!("the service stopped during the solve {attempts} times; not retried again. Check the day's size and budget, then submit it again."),
                            now_unix()
                        ],
                    )?;
                    rec.failed.push(id);
                } else {
                    tx.execute("UPDATE plans SET status='queued', retry_on_start=0, failure=NULL, progress_json=NULL WHERE id=?1", [&id])?;
                    rec.resumed.push(id);
                }
            }
            tx.commit()?;
            Ok(rec)
        })
    }

    pub fn plan(&self, id: &str) -> Result<Option<PlanRow>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT id, office, status, version, created_at, date, request_count, squad_count, attempts, failure, progress_json, timings_json
                 FROM plans WHERE id=?1",
                [id],
                row_to_plan,
            )
            .optional()?)
        })
    }

    pub fn plans_of_office(&self, office: &str, limit: usize) -> Result<Vec<PlanRow>> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, office, status, version, created_at, date, request_count, squad_count, attempts, failure, progress_json, timings_json
                 FROM plans WHERE office=?1 ORDER BY created_at DESC, id DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![office, limit as i64], row_to_plan)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    pub fn request_json(&self, id: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT request_json FROM plans WHERE id=?1", [id], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
    }

    /// The current result JSON and GeoJSON of a finished plan.
    pub fn result(&self, id: &str) -> Result<Option<(String, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT v.result_json, v.geojson FROM plan_versions v JOIN plans p ON p.id=v.plan_id AND p.version=v.version WHERE p.id=?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// A squad's sheet: `(html, sheet_version)`.
    pub fn sheet(&self, plan: &str, squad: &str, lang: &str) -> Result<Option<(String, u32)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT html, sheet_version FROM sheets WHERE plan_id=?1 AND squad=?2 AND lang=?3",
                params![plan, squad, lang],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// The newest finished plan of an office that has a sheet for this squad
    /// (what a volunteer's link opens): `(plan id, date)`.
    pub fn latest_plan_with_sheet(
        &self,
        office: &str,
        squad: &str,
    ) -> Result<Option<(String, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT p.id, p.date FROM plans p JOIN sheets s ON s.plan_id=p.id
                 WHERE p.office=?1 AND p.status='done' AND s.squad=?2
                 ORDER BY p.date DESC, p.created_at DESC, p.id DESC LIMIT 1",
                params![office, squad],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }
}

/// Brings a database written by an older version up to the current schema.
fn migrate(c: &Connection) -> Result<()> {
    let has_retry: bool = c.query_row(
        "SELECT count(*) FROM pragma_table_info('plans') WHERE name='retry_on_start'",
        [],
        |r| r.get::<_, i64>(0),
    )? > 0;
    if !has_retry {
        // 1: failed on a storage error, resumed at the next start.
        c.execute_batch("ALTER TABLE plans ADD COLUMN retry_on_start INTEGER NOT NULL DEFAULT 0")?;
    }
    Ok(())
}

fn row_to_plan(r: &rusqlite::Row) -> rusqlite::Result<PlanRow> {
    let status: String = r.get(2)?;
    let progress: Option<String> = r.get(10)?;
    let timings: Option<String> = r.get(11)?;
    Ok(PlanRow {
        id: r.get(0)?,
        office: r.get(1)?,
        status: PlanStatus::parse(&status).unwrap_or(PlanStatus::Failed),
        version: r.get(3)?,
        created_at: r.get(4)?,
        date: r.get(5)?,
        requests: r.get::<_, i64>(6)? as usize,
        squads: r.get::<_, i64>(7)? as usize,
        attempts: r.get(8)?,
        failure: r.get(9)?,
        progress: progress.and_then(|p| serde_json::from_str(&p).ok()),
        timings: timings.and_then(|t| serde_json::from_str(&t).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> (std::path::PathBuf, Store) {
        let dir = std::env::temp_dir().join(format!(
            "lastmile-store-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("plans.db");
        let s = Store::open(&path).unwrap();
        (path, s)
    }

    fn new_plan(id: &str) -> NewPlan<'_> {
        NewPlan {
            id,
            office: "so",
            date: "2025-01-15",
            requests: 2,
            squads: 1,
            request_json: "{}",
        }
    }

    #[test]
    fn recovery_resumes_then_fails_after_max_attempts() {
        let (path, s) = tmp();
        s.insert_plan(&new_plan("p1")).unwrap();
        s.insert_plan(&new_plan("p2")).unwrap();
        s.store_result("p2", 0, &result(vec![]), None).unwrap();
        for _ in 1..MAX_ATTEMPTS {
            s.start_attempt("p1").unwrap();
            // A new process on the same file finds the interrupted solve and resumes it.
            let rec = Store::open(&path).unwrap().startup_recovery().unwrap();
            assert_eq!(rec.resumed, vec!["p1".to_string()]);
        }
        s.start_attempt("p1").unwrap();
        let rec = Store::open(&path).unwrap().startup_recovery().unwrap();
        assert_eq!(rec.failed, vec!["p1".to_string()]);
        assert!(rec.resumed.is_empty());
        let p1 = s.plan("p1").unwrap().unwrap();
        assert_eq!(p1.status, PlanStatus::Failed);
        assert!(p1.failure.unwrap().contains("3 times"));
        assert_eq!(s.plan("p2").unwrap().unwrap().status, PlanStatus::Done);
    }

    #[test]
    fn storage_failures_are_resumed_and_day_failures_are_not() {
        let (path, s) = tmp();
        s.insert_plan(&new_plan("disk")).unwrap();
        s.insert_plan(&new_plan("bad-day")).unwrap();
        s.insert_plan(&new_plan("stopped")).unwrap();
        for id in ["disk", "bad-day", "stopped"] {
            s.start_attempt(id).unwrap();
        }
        s.fail_storage("disk", "database or disk is full").unwrap();
        s.fail("bad-day", "the day no longer fits the loaded map")
            .unwrap();
        s.requeue("stopped").unwrap();
        let disk = s.plan("disk").unwrap().unwrap();
        assert_eq!(disk.status, PlanStatus::Failed);
        assert!(disk
            .failure
            .unwrap()
            .contains("solved again when the service restarts"));
        let rec = Store::open(&path).unwrap().startup_recovery().unwrap();
        assert_eq!(rec.resumed, vec!["disk".to_string(), "stopped".to_string()]);
        let disk = s.plan("disk").unwrap().unwrap();
        assert_eq!(
            (disk.status, disk.failure, disk.attempts),
            (PlanStatus::Queued, None, 0)
        );
        assert_eq!(s.plan("stopped").unwrap().unwrap().attempts, 0);
        assert_eq!(
            s.plan("bad-day").unwrap().unwrap().status,
            PlanStatus::Failed
        );
        // Resumed once: the retry mark is gone, a later start does not pick it up as failed again.
        s.start_attempt("disk").unwrap();
        s.store_result("disk", 0, &result(vec![]), None).unwrap();
        let rec = Store::open(&path).unwrap().startup_recovery().unwrap();
        assert_eq!(rec.resumed, vec!["stopped".to_string()]);
    }

    #[test]
    fn an_old_database_gains_the_retry_column() {
        let dir =
            std::env::temp_dir().join(format!("lastmile-store-old-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("plans.db");
        let c = Connection::open(&path).unwrap();
        // The schema before retry_on_start existed.
        c.execute_batch(SCHEMA).unwrap();
        assert_eq!(
            c.query_row(
                "SELECT count(*) FROM pragma_table_info('plans') WHERE name='retry_on_start'",
                [],
                |r| r.get::<_, i64>(0)
            )
            .unwrap(),
            0
        );
        drop(c);
        let s = Store::open(&path).unwrap();
        s.insert_plan(&new_plan("p")).unwrap();
        s.fail_storage("p", "x").unwrap();
        assert_eq!(
            Store::open(&path)
                .unwrap()
                .startup_recovery()
                .unwrap()
                .resumed,
            vec!["p".to_string()]
        );
    }

    fn result(sheets: Vec<SheetIn>) -> ResultIn {
        ResultIn {
            result_json: "{}".into(),
            geojson: "{}".into(),
            sheets,
            timings: Timings::default(),
        }
    }

    #[test]
    fn versions_conflict_and_untouched_sheets_stay() {
        let (_, s) = tmp();
        s.insert_plan(&new_plan("p")).unwrap();
        let sheet = |squad: &str, v: u32, hash: &str, html: &str| SheetIn {
            squad: squad.into(),
            lang: "zh".into(),
            sheet_version: v,
            route_hash: hash.into(),
            html: html.into(),
        };
        assert_eq!(
            s.store_result(
                "p",
                0,
                &result(vec![sheet("A", 1, "h1", "a1"), sheet("B", 1, "h2", "b1")]),
                None
            )
            .unwrap(),
            1
        );
        // Version 2 changes B only.
        assert_eq!(
            s.store_result("p", 1, &result(vec![sheet("B", 2, "h3", "b2")]), None)
                .unwrap(),
            2
        );
        // A second writer based on version 1 gets a conflict, not a lost update.
        assert!(matches!(
            s.store_result("p", 1, &result(vec![]), None),
            Err(StoreError::Conflict {
                expected: 1,
                found: 2
            })
        ));
        assert_eq!(
            s.sheet("p", "A", "zh").unwrap().unwrap(),
            ("a1".to_string(), 1)
        );
        assert_eq!(
            s.sheet("p", "B", "zh").unwrap().unwrap(),
            ("b2".to_string(), 2)
        );
        let state = s.sheet_state("p").unwrap();
        assert_eq!(
            state[&("A".to_string(), "zh".to_string())],
            (1, "h1".to_string())
        );
        assert_eq!(s.plan("p").unwrap().unwrap().version, 2);
    }

    #[test]
    fn rfc3339_formats_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_736_930_000), "2025-01-15T08:33:20Z");
    }
}

/// Checks that the plan is still at `based_on`, then writes version
/// `based_on + 1`: the changed sheets and the result. Shared by plan solves
/// and desk results so both keep the same conflict rule.
fn insert_version(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    based_on: u32,
    result: &ResultIn,
) -> Result<u32> {
    let version: u32 = tx.query_row("SELECT version FROM plans WHERE id=?1", [id], |r| r.get(0))?;
    if version != based_on {
        return Err(StoreError::Conflict {
            expected: based_on,
            found: version,
        });
    }
    let new_version = version + 1;
    for s in &result.sheets {
        tx.execute(
            "INSERT INTO sheets (plan_id, squad, lang, sheet_version, plan_version, route_hash, html)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(plan_id, squad, lang) DO UPDATE SET
               sheet_version=excluded.sheet_version, plan_version=excluded.plan_version,
               route_hash=excluded.route_hash, html=excluded.html",
            params![id, s.squad, s.lang, s.sheet_version, new_version, s.route_hash, s.html],
        )?;
    }
    tx.execute(
        "INSERT INTO plan_versions (plan_id, version, created_at, result_json, geojson) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, new_version, now_unix(), result.result_json, result.geojson],
    )?;
    Ok(new_version)
}
