//! VRPLIB (TSPLIB-style) CVRP files, as used by CVRPLIB's X instances.
//!
//! Supported: `EDGE_WEIGHT_TYPE : EUC_2D` with distances rounded to the
//! nearest integer (TSPLIB `nint`), `NODE_COORD_SECTION`, `DEMAND_SECTION`,
//! `CAPACITY`, one depot in `DEPOT_SECTION`, and an optional `VEHICLES` count.
//! Without one the fleet is unlimited in effect: one vehicle per customer, as
//! PyVRP does for CVRP. Travel time equals distance; there are no windows.

use std::collections::HashMap;

use super::{integral, isqrt, number, FormatError, Instance};
use crate::problem::{
    Job, JobKind, LocIdx, Matrix, Priority, ProblemBuilder, Skills, Task, Vehicle,
};

/// The TSPLIB `EUC_2D` distance: `nint(euclid)`, exact for integer coordinates.
pub fn distance(a: (f64, f64), b: (f64, f64), exact_integers: bool) -> i64 {
    let (dx, dy) = (a.0 - b.0, a.1 - b.1);
    if exact_integers {
        // nint(sqrt(s)) = floor(sqrt(s) + 1/2) = floor(sqrt(4s) + 1) / 2, computed exactly.
        let s = (dx as i64) * (dx as i64) + (dy as i64) * (dy as i64);
        (isqrt(4 * s) + 1) / 2
    } else {
        ((dx * dx + dy * dy).sqrt() + 0.5).floor() as i64
    }
}

/// Parses a VRPLIB CVRP file.
pub fn parse(text: &str) -> Result<Instance, FormatError> {
    let mut name = None;
    let mut dimension: Option<usize> = None;
    let mut capacity: Option<i64> = None;
    let mut fleet: Option<usize> = None;
    let mut coords: HashMap<usize, (usize, (f64, f64))> = HashMap::new();
    let mut demands: HashMap<usize, (usize, i64)> = HashMap::new();
    let mut depots: Vec<(usize, usize)> = Vec::new();
    let mut section: Option<&str> = None;

    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if l == "EOF" {
            break;
        }
        let upper = l.to_ascii_uppercase();
        if upper.ends_with("_SECTION") {
            match upper.as_str() {
                "NODE_COORD_SECTION" | "DEMAND_SECTION" | "DEPOT_SECTION" => {
                    section = Some(match upper.as_str() {
                        "NODE_COORD_SECTION" => "coord",
                        "DEMAND_SECTION" => "demand",
                        _ => "depot",
                    })
                }
                other => {
                    return Err(FormatError::Unsupported {
                        line,
                        what: other.to_string(),
                    })
                }
            }
            continue;
        }
        if let Some((key, value)) = l.split_once(':') {
            let (key, value) = (key.trim().to_ascii_uppercase(), value.trim());
            if !key.contains(char::is_whitespace)
                && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            {
                section = None;
                match key.as_str() {
                    "NAME" => name = Some(value.to_string()),
                    "DIMENSION" => dimension = Some(number(value, line, "DIMENSION")?),
                    "CAPACITY" => capacity = Some(number(value, line, "CAPACITY")?),
                    "VEHICLES" => fleet = Some(number(value, line, "VEHICLES")?),
                    "TYPE" if !value.eq_ignore_ascii_case("CVRP") => {
                        return Err(FormatError::Unsupported {
                            line,
                            what: format!("TYPE {value}"),
                        })
                    }
                    "EDGE_WEIGHT_TYPE" if !value.eq_ignore_ascii_case("EUC_2D") => {
                        return Err(FormatError::Unsupported {
                            line,
                            what: format!("EDGE_WEIGHT_TYPE {value}"),
                        })
                    }
                    _ => {}
                }
                continue;
            }
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        match section {
            Some("coord") => {
                if f.len() != 3 {
                    return Err(FormatError::FieldCount {
                        line,
                        expected: 3,
                        found: f.len(),
                    });
                }
                let id: usize = number(f[0], line, "node id")?;
                let xy = (
                    number(f[1], line, "x coordinate")?,
                    number(f[2], line, "y coordinate")?,
                );
                if coords.insert(id, (line, xy)).is_some() {
                    return Err(FormatError::Invalid {
                        line,
                        message: format!("node {id} listed twice"),
                    });
                }
            }
            Some("demand") => {
                if f.len() != 2 {
                    return Err(FormatError::FieldCount {
                        line,
                        expected: 2,
                        found: f.len(),
                    });
                }
                let id: usize = number(f[0], line, "node id")?;
                let d: i64 = number(f[1], line, "demand")?;
                if d < 0 {
                    return Err(FormatError::Invalid {
                        line,
                        message: format!("node {id}: negative demand"),
                    });
                }
                demands.insert(id, (line, d));
            }
            Some("depot") => {
                for x in f {
                    let id: i64 = number(x, line, "depot id")?;
                    if id >= 0 {
                        depots.push((line, id as usize));
                    }
                }
            }
            _ => {
                return Err(FormatError::Invalid {
                    line,
                    message: format!("unexpected line {l:?}"),
                })
            }
        }
    }

    let n = dimension.ok_or(FormatError::Missing { what: "DIMENSION" })?;
    let capacity = capacity.ok_or(FormatError::Missing { what: "CAPACITY" })?;
    let &(depot_line, depot) = depots.first().ok_or(FormatError::Missing {
        what: "DEPOT_SECTION",
    })?;
    if depots.len() > 1 {
        return Err(FormatError::Unsupported {
            line: depots[1].0,
            what: "more than one depot".into(),
        });
    }
    if coords.len() != n {
        return Err(FormatError::Invalid {
            line: 0,
            message: format!(
                "NODE_COORD_SECTION has {} nodes, DIMENSION says {n}",
                coords.len()
            ),
        });
    }
    // Node ids in file order: the depot first, then customers by id; the
    // customer number in `.sol` files is its rank among customers (1-based).
    let mut ids: Vec<usize> = coords.keys().copied().filter(|&id| id != depot).collect();
    ids.sort_unstable();
    if !coords.contains_key(&depot) {
        return Err(FormatError::Invalid {
            line: depot_line,
            message: format!("depot {depot} has no coordinates"),
        });
    }
    ids.insert(0, depot);
    let points: Vec<(f64, f64)> = ids.iter().map(|id| coords[id].1).collect();
    let exact = integral(&points);
    let mut d = vec![0i32; n * n];
    for a in 0..n {
        for b in 0..n {
            d[a * n + b] = i32::try_from(distance(points[a], points[b], exact)).map_err(|_| {
                FormatError::Invalid {
                    line: coords[&ids[a]].0,
                    message: "coordinates too far apart for 32-bit distances".into(),
                }
            })?;
        }
    }
    let mut b = ProblemBuilder::new(1);
    let profile = b.matrix(Matrix::from_distances(n, d)?);
    for k in 0..fleet.unwrap_or(n - 1).max(1) {
        b.vehicle(Vehicle::new(
            format!("{}", k + 1),
            profile,
            LocIdx(0),
            vec![capacity],
        ));
    }
    for (rank, id) in ids.iter().enumerate().skip(1) {
        let &(_, demand) = demands.get(id).ok_or(FormatError::Invalid {
            line: coords[id].0,
            message: format!("node {id} has no demand in DEMAND_SECTION"),
        })?;
        b.job(Job {
            id: rank.to_string(),
            kind: JobKind::Delivery(Task::new(LocIdx(rank as u32), 0, vec![])),
            demand: vec![demand],
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        });
    }
    Ok(Instance {
        name: name.unwrap_or_default(),
        format: super::Format::Vrplib,
        problem: b.build()?,
        coords: points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::ProfileIdx;

    const TINY: &str = "NAME : tiny-n4-k2\nTYPE : CVRP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n\
NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1 1\n4 0 7\nDEMAND_SECTION\n1 0\n2 5\n3 4\n4 6\nDEPOT_SECTION\n1\n-1\nEOF\n";

    #[test]
    fn parses_and_rounds() {
        let inst = parse(TINY).unwrap();
        assert_eq!(inst.name, "tiny-n4-k2");
        let p = &inst.problem;
        assert_eq!(p.jobs().len(), 3);
        assert_eq!(p.vehicles().len(), 3, "one vehicle per customer");
        assert_eq!(p.jobs()[2].id, "3");
        assert_eq!(p.jobs()[2].demand, vec![6]);
        let m = p.matrix(ProfileIdx(0));
        assert_eq!(m.distance(LocIdx(0), LocIdx(1)), 5);
        assert_eq!(m.distance(LocIdx(0), LocIdx(2)), 1); // 1.414 -> 1
        assert_eq!(m.distance(LocIdx(1), LocIdx(3)), 4); // sqrt(9 + 9) = 4.24 -> 4
        assert_eq!(m.distance(LocIdx(2), LocIdx(3)), 6); // sqrt(1 + 36) = 6.08 -> 6
    }

    #[test]
    fn nint_is_exact_at_halves() {
        // sqrt(6.25) = 2.5 cannot occur with integers, but sqrt(x) close to n + 0.5 must round right.
        for s in 0..10_000i64 {
            let exact = ((s as f64).sqrt() + 0.5).floor() as i64;
            let x = (s as f64).sqrt();
            if (x - x.floor() - 0.5).abs() > 1e-9 {
                assert_eq!((isqrt(4 * s) + 1) / 2, exact, "s = {s}");
            }
        }
        assert_eq!(distance((0.0, 0.0), (3.0, 4.0), true), 5);
    }

    #[test]
    fn depot_elsewhere_and_vehicle_count() {
        let text = TINY
            .replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n3\n")
            .replace("CAPACITY : 10", "CAPACITY : 10\nVEHICLES : 2");
        let inst = parse(&text).unwrap();
        assert_eq!(inst.coords[0], (1.0, 1.0));
        assert_eq!(inst.problem.vehicles().len(), 2);
        assert_eq!(inst.problem.jobs()[1].demand, vec![5]); // node 2
    }

    #[test]
    fn malformed_files_name_the_line() {
        assert_eq!(
            parse(&TINY.replace("2 3 4", "2 3 four")).unwrap_err(),
            FormatError::BadNumber {
                line: 8,
                field: "y coordinate",
                text: "four".into()
            }
        );
        assert!(matches!(
            parse(&TINY.replace("EUC_2D", "GEO")).unwrap_err(),
            FormatError::Unsupported { line: 4, .. }
        ));
        assert_eq!(
            parse(&TINY.replace("CAPACITY : 10\n", "")).unwrap_err(),
            FormatError::Missing { what: "CAPACITY" }
        );
        assert!(matches!(
            parse(&TINY.replace("4 6\n", "")).unwrap_err(),
            FormatError::Invalid { line: 10, .. }
        ));
        assert!(matches!(
            parse(&TINY.replace("3 4\n", "3 -4\n")).unwrap_err(),
            FormatError::Invalid { line: 14, .. }
        ));
    }
}
