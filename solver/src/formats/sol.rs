//! The CVRPLIB `.sol` format: one line per route, then the cost.
//!
//! ```text
//! Route #1: 3 7 12
//! Route #2: 5 1
//! Cost 1637.7
//! ```
//!
//! Customers are numbered as in the instance file (the depot is implicit).
//! For Solomon instances the cost is printed in the file's unit (the
//! problem's tenths divided by ten, one decimal). The reader also accepts
//! the SINTEF variant (`Route 1 : 3 7 12`, with header lines before).

use std::collections::HashMap;
use std::fmt::Write;

use super::schedule::{build_route, build_solution, job_sequence};
use super::{number, Format, FormatError, Instance};
use crate::problem::{Cost, JobIdx, VehicleIdx};
use crate::solution::{Solution, UnassignedReason};

/// The routes and cost of a `.sol` file, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct SolFile {
    /// Customer numbers of each route, with the line each route is on.
    pub routes: Vec<(usize, Vec<String>)>,
    /// The `Cost` line, if any.
    pub cost: Option<f64>,
}

/// Parses a `.sol` file. Lines other than routes and the cost are ignored
/// (SINTEF files carry a header).
pub fn parse(text: &str) -> Result<SolFile, FormatError> {
    let mut routes = Vec::new();
    let mut cost = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if let Some(rest) = l.strip_prefix("Route") {
            let (_, customers) = rest.split_once(':').ok_or(FormatError::Invalid {
                line,
                message: "a route line needs a ':' before its customers".into(),
            })?;
            routes.push((
                line,
                customers.split_whitespace().map(str::to_string).collect(),
            ));
        } else if let Some(rest) = l.strip_prefix("Cost") {
            cost = Some(number(rest.trim(), line, "cost")?);
        }
    }
    Ok(SolFile { routes, cost })
}

/// The text of `solution` in `.sol` format.
pub fn write(instance: &Instance, solution: &Solution) -> String {
    let mut out = String::new();
    let routes = solution.routes.iter().filter(|r| !r.activities.is_empty());
    for (k, r) in routes.enumerate() {
        let _ = write!(out, "Route #{}:", k + 1);
        for a in &r.activities {
            if let Some(j) = a.kind.job() {
                let _ = write!(out, " {}", instance.problem.job(j).id);
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Cost {}", format_cost(instance, solution.cost));
    out
}

/// A cost in the instance's published unit: tenths shown with one decimal for Solomon.
pub fn format_cost(instance: &Instance, cost: Cost) -> String {
    match instance.format {
        Format::Solomon => format!("{}.{}", cost / 10, (cost % 10).abs()),
        Format::Vrplib => cost.to_string(),
    }
}

/// Builds a scheduled [`Solution`] from a `.sol` file: route `k` is given to
/// vehicle `k`; customers missing from every route are listed as unassigned.
pub fn to_solution(instance: &Instance, sol: &SolFile) -> Result<Solution, FormatError> {
    let problem = &instance.problem;
    if sol.routes.len() > problem.vehicles().len() {
        return Err(FormatError::TooManyRoutes {
            routes: sol.routes.len(),
            vehicles: problem.vehicles().len(),
        });
    }
    let by_id: HashMap<&str, JobIdx> = problem
        .jobs()
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id.as_str(), JobIdx(i as u32)))
        .collect();
    let mut routes = Vec::with_capacity(sol.routes.len());
    for (k, (line, customers)) in sol.routes.iter().enumerate() {
        let jobs = customers
            .iter()
            .map(|c| {
                by_id
                    .get(c.as_str())
                    .copied()
                    .ok_or(FormatError::UnknownCustomer {
                        line: *line,
                        customer: c.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        routes.push(build_route(
            problem,
            VehicleIdx(k as u32),
            &job_sequence(problem, &jobs),
        ));
    }
    Ok(build_solution(
        problem,
        routes,
        UnassignedReason::LeftOutForCost,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;

    const INSTANCE: &str = "NAME : t\nTYPE : CVRP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n\
NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1 1\n4 0 7\nDEMAND_SECTION\n1 0\n2 5\n3 4\n4 6\nDEPOT_SECTION\n1\n-1\nEOF\n";

    #[test]
    fn round_trip() {
        let inst = Instance::parse(INSTANCE, Format::Vrplib).unwrap();
        let sol = parse("Route #1: 2 1\nRoute #2: 3\nCost 24\n").unwrap();
        let s = to_solution(&inst, &sol).unwrap();
        assert_eq!(check(&inst.problem, &s), vec![]);
        // 0-3-0 is 1 + 1 (node 3 at (1,1)) + 5 (node 2 at (3,4)) + 5; 0-4-0 is 7 + 7.
        assert_eq!(s.cost, 1 + 4 + 5 + 14);
        assert_eq!(s.cost as f64, sol.cost.unwrap());
        let text = write(&inst, &s);
        assert_eq!(text, "Route #1: 2 1\nRoute #2: 3\nCost 24\n");
        assert_eq!(parse(&text).unwrap(), sol);
    }

    #[test]
    fn sintef_header_and_errors() {
        let sol =
            parse("Instance name: x\nAuthors: a\nSolution\nRoute 1 : 1 2\nRoute 2 : 3\n").unwrap();
        assert_eq!(
            sol.routes,
            vec![(4, vec!["1".into(), "2".into()]), (5, vec!["3".into()])]
        );
        assert_eq!(sol.cost, None);
        assert!(matches!(
            parse("Route #1 3 4").unwrap_err(),
            FormatError::Invalid { line: 1, .. }
        ));
        assert!(matches!(
            parse("Route #1: 3\nCost abc").unwrap_err(),
            FormatError::BadNumber { line: 2, .. }
        ));
        let inst = Instance::parse(INSTANCE, Format::Vrplib).unwrap();
        let bad = parse("Route #1: 2 9\n").unwrap();
        assert_eq!(
            to_solution(&inst, &bad).unwrap_err(),
            FormatError::UnknownCustomer {
                line: 1,
                customer: "9".into()
            }
        );
    }

    #[test]
    fn solomon_cost_in_tenths() {
        let inst = Instance::parse(
            "T\nVEHICLE\nNUMBER CAPACITY\n1 10\nCUSTOMER\nCUST NO. X Y DEMAND READY DUE SERVICE\n0 0 0 0 0 100 0\n1 1 1 1 0 100 0\n",
            Format::Solomon,
        )
        .unwrap();
        let s = to_solution(&inst, &parse("Route #1: 1\n").unwrap()).unwrap();
        assert_eq!(s.cost, 28);
        assert!(write(&inst, &s).ends_with("Cost 2.8\n"));
    }
}
