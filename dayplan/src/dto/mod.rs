//! The JSON schema of the API: what a coordinator (or a spreadsheet export) writes,
//! and what the service answers.
//!
//! Written for people who type it by hand: obvious names, units in the names
//! (`weight_kg`, `service_s`, `capacity_kg`), times of day as `"08:30"`, and
//! defaults for everything that has a sensible one. Every input struct denies
//! unknown fields, so a typo (`weight` for `weight_kg`) is an error naming the
//! field, not a silently ignored value. Only these types are serialised: the
//! solver and geo-data types never cross the HTTP edge.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod day;
mod desk;
mod result;

pub use day::*;
pub use desk::*;
pub use result::*;

/// A time of day in seconds since midnight, written `"HH:MM"` (or `"HH:MM:SS"`).
///
/// Hours 24 to 47 parse, because a window or shift may run past midnight, but
/// only as its *end*: `22:00`–`26:30` ends at 02:30 the next day. A start must
/// be a time of day, 00:00–23:59 ([`Clock::as_start`], checked at the edge), so
/// a typed `25:00` is reported as what it is instead of as a backwards window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock(pub u32);

/// Marker at the start of every clock parse error, so the HTTP edge can give it
/// its own error code (`invalid_time`).
pub const CLOCK_ERROR: &str = "invalid time of day";

impl Clock {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{CLOCK_ERROR} {s:?}: expected \"HH:MM\" such as \"08:30\"");
        let parts: Vec<&str> = s.trim().split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
            return Err(bad());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        let h = num(parts[0])?;
        let m = num(parts[1])?;
        let sec = if parts.len() == 3 { num(parts[2])? } else { 0 };
        if h > 47 || m > 59 || sec > 59 {
            return Err(bad());
        }
        Ok(Clock(h * 3600 + m * 60 + sec))
    }

    /// Seconds in a day: every start is below this; only an end may reach it or beyond.
    pub const DAY: u32 = 86_400;

    /// This clock as the start of a window or shift: a time of day, 00:00–23:59.
    /// The error names the rule, so a coordinator sees why `25:00` is refused.
    pub fn as_start(self) -> Result<Self, String> {
        if self.0 < Self::DAY {
            Ok(self)
        } else {
            Err(format!(
                "{CLOCK_ERROR} \"{self}\": a start is a time of day, 00:00 to 23:59 \
                 (only an end may run past midnight: 22:00 to 26:30 ends at 02:30 the next day)"
            ))
        }
    }

    pub fn seconds(self) -> i64 {
        self.0 as i64
    }

    /// Formats seconds since midnight as `"HH:MM"`, rounding down.
    pub fn format(seconds: i64) -> String {
        let s = seconds.max(0);
        format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Clock::format(self.0 as i64))
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Clock;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time of day as a string \"HH:MM\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Clock, E> {
                Clock::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}
