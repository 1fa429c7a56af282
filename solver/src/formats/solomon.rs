//! Solomon VRPTW text files (also used by Gehring–Homberger).
//!
//! DIMACS convention, as used for the published distance-only best-known
//! solutions: the distance between two customers is the Euclidean distance
//! truncated to one decimal. To stay in integers every quantity of time and
//! distance is scaled by ten: `d = floor(10 * euclid)`, travel time equals
//! distance, service times and windows are multiplied by ten. The depot's
//! window becomes every vehicle's shift. Costs are therefore in tenths.

use super::{integral, isqrt, number, FormatError, Instance};
use crate::problem::{
    Job, JobKind, LocIdx, Matrix, Priority, ProblemBuilder, Skills, Task, TimeWindow, Vehicle,
};

/// Scale of times and distances in the problem relative to the file.
pub const SCALE: i64 = 10;

/// The DIMACS distance in tenths: `floor(10 * euclid)`, exact for integer coordinates.
pub fn distance(a: (f64, f64), b: (f64, f64), exact_integers: bool) -> i64 {
    let (dx, dy) = (a.0 - b.0, a.1 - b.1);
    if exact_integers {
        let (dx, dy) = (dx as i64, dy as i64);
        isqrt(SCALE * SCALE * (dx * dx + dy * dy))
    } else {
        ((SCALE as f64) * (dx * dx + dy * dy).sqrt()).floor() as i64
    }
}

/// Parses a Solomon file: name, `VEHICLE` (number, capacity), `CUSTOMER` table
/// (number, x, y, demand, ready time, due date, service time), depot first.
pub fn parse(text: &str) -> Result<Instance, FormatError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let name = lines
        .first()
        .ok_or(FormatError::Missing {
            what: "instance name",
        })?
        .1
        .to_string();
    let pos = |key: &str| lines.iter().position(|(_, l)| l.eq_ignore_ascii_case(key));
    let v = pos("VEHICLE").ok_or(FormatError::Missing {
        what: "VEHICLE section",
    })?;
    // VEHICLE, then the "NUMBER CAPACITY" header, then the two numbers.
    let &(vline, vtext) = lines.get(v + 2).ok_or(FormatError::Missing {
        what: "vehicle number and capacity",
    })?;
    let vf: Vec<&str> = vtext.split_whitespace().collect();
    if vf.len() != 2 {
        return Err(FormatError::FieldCount {
            line: vline,
            expected: 2,
            found: vf.len(),
        });
    }
    let fleet: usize = number(vf[0], vline, "vehicle number")?;
    let capacity: i64 = number(vf[1], vline, "capacity")?;
    if fleet == 0 {
        return Err(FormatError::Invalid {
            line: vline,
            message: "the fleet has no vehicle".into(),
        });
    }

    let c = pos("CUSTOMER").ok_or(FormatError::Missing {
        what: "CUSTOMER section",
    })?;
    struct Row {
        line: usize,
        id: String,
        xy: (f64, f64),
        demand: i64,
        ready: i64,
        due: i64,
        service: i64,
    }
    let mut rows = Vec::new();
    // Skip the column header line after CUSTOMER.
    for &(line, l) in lines.iter().skip(c + 2) {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 7 {
            return Err(FormatError::FieldCount {
                line,
                expected: 7,
                found: f.len(),
            });
        }
        rows.push(Row {
            line,
            id: f[0].to_string(),
            xy: (
                number(f[1], line, "x coordinate")?,
                number(f[2], line, "y coordinate")?,
            ),
            demand: number(f[3], line, "demand")?,
            ready: number(f[4], line, "ready time")?,
            due: number(f[5], line, "due date")?,
            service: number(f[6], line, "service time")?,
        });
    }
    let depot = rows
        .first()
        .ok_or(FormatError::Missing { what: "depot row" })?;
    for r in &rows {
        if r.due < r.ready {
            return Err(FormatError::Invalid {
                line: r.line,
                message: format!(
                    "customer {}: due date {} before ready time {}",
                    r.id, r.due, r.ready
                ),
            });
        }
        if r.demand < 0 || r.service < 0 {
            return Err(FormatError::Invalid {
                line: r.line,
                message: format!("customer {}: negative demand or service", r.id),
            });
        }
    }

    let coords: Vec<(f64, f64)> = rows.iter().map(|r| r.xy).collect();
    let n = coords.len();
    let exact = integral(&coords);
    let mut d = vec![0i32; n * n];
    for a in 0..n {
        for b in 0..n {
            let x = distance(coords[a], coords[b], exact);
            d[a * n + b] = i32::try_from(x).map_err(|_| FormatError::Invalid {
                line: rows[a].line,
                message: "coordinates too far apart for 32-bit distances".into(),
            })?;
        }
    }
    let mut b = ProblemBuilder::new(1);
    let profile = b.matrix(Matrix::from_distances(n, d)?);
    let shift = TimeWindow::new(depot.ready * SCALE, depot.due * SCALE);
    for k in 0..fleet {
        let mut v = Vehicle::new(format!("{}", k + 1), profile, LocIdx(0), vec![capacity]);
        v.shift = shift;
        b.vehicle(v);
    }
    for (i, r) in rows.iter().enumerate().skip(1) {
        let window = TimeWindow::new(r.ready * SCALE, r.due * SCALE);
        b.job(Job {
            id: r.id.clone(),
            kind: JobKind::Delivery(Task::new(LocIdx(i as u32), r.service * SCALE, vec![window])),
            demand: vec![r.demand],
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        });
    }
    Ok(Instance {
        name,
        format: super::Format::Solomon,
        problem: b.build()?,
        coords,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::ProfileIdx;

    const TINY: &str = r"TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME

    0      0         0          0          0        100          0
    1      3         4          5         10         20          2
    2      1         1          4          0         50          1
";

    #[test]
    fn parses_and_scales() {
        let inst = parse(TINY).unwrap();
        assert_eq!(inst.name, "TINY");
        let p = &inst.problem;
        assert_eq!(p.vehicles().len(), 2);
        assert_eq!(p.vehicles()[0].capacity, vec![10]);
        assert_eq!(p.vehicles()[0].shift, TimeWindow::new(0, 1000));
        assert_eq!(p.jobs()[0].id, "1");
        let JobKind::Delivery(t) = &p.jobs()[0].kind else {
            panic!()
        };
        assert_eq!(
            (t.service, t.windows.clone()),
            (20, vec![TimeWindow::new(100, 200)])
        );
        let m = p.matrix(ProfileIdx(0));
        assert_eq!(m.distance(LocIdx(0), LocIdx(1)), 50);
        // sqrt(2) = 1.414.. truncated to 1.4, in tenths.
        assert_eq!(m.distance(LocIdx(0), LocIdx(2)), 14);
        assert_eq!(m.duration(LocIdx(2), LocIdx(0)), 14);
        // sqrt(4 + 9) = 3.605.. -> 36.
        assert_eq!(m.distance(LocIdx(1), LocIdx(2)), 36);
    }

    #[test]
    fn exact_truncation_on_whole_distances() {
        // 10 * sqrt(0.01 * k^2) style edge cases: integer coordinates use exact integer sqrt.
        assert_eq!(distance((0.0, 0.0), (6.0, 8.0), true), 100);
        assert_eq!(distance((0.0, 0.0), (1.0, 3.0), true), 31); // sqrt(10) = 3.162
        assert_eq!(distance((0.0, 0.0), (0.5, 0.0), false), 5);
    }

    #[test]
    fn malformed_files_name_the_line() {
        let bad = TINY.replace("    1      3         4", "    1      3         x");
        assert_eq!(
            parse(&bad).unwrap_err(),
            FormatError::BadNumber {
                line: 11,
                field: "y coordinate",
                text: "x".into()
            }
        );
        let short = TINY.replace(
            "    2      1         1          4          0         50          1",
            "    2 1 1",
        );
        assert!(matches!(
            parse(&short).unwrap_err(),
            FormatError::FieldCount {
                line: 12,
                expected: 7,
                found: 3
            }
        ));
        let window = TINY.replace("10         20", "30         20");
        assert!(matches!(
            parse(&window).unwrap_err(),
            FormatError::Invalid { line: 11, .. }
        ));
        assert_eq!(
            parse("X\n").unwrap_err(),
            FormatError::Missing {
                what: "VEHICLE section"
            }
        );
        assert_eq!(
            parse("").unwrap_err(),
            FormatError::Missing {
                what: "instance name"
            }
        );
    }
}
