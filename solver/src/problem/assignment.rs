//! Which vehicles may serve which job, and which one a job prefers.
//!
//! A street office pairs each vulnerable resident with a responsible
//! volunteer squad (包保, one resident one volunteer): the resident knows
//! them and opens the door to them. A job may therefore be restricted to
//! some vehicles (`allow`: served by them or not at all) or prefer one
//! (`prefer`: another may serve it when that saves more than the stated
//! cost). Kept apart from [`super::Job`] so that jobs stay plain task data
//! and the many places that build jobs need not know about squads.

use super::{Cost, Job, JobIdx, ProblemError, Vehicle, VehicleIdx};

/// Per job: allowed vehicles (`None`: any; an empty list: none, e.g. a door
/// in a closed compound on a day without walking squads) and a preferred
/// vehicle with the cost of serving the job with another. Sparse: most jobs
/// have neither.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    allowed: Vec<Option<Vec<VehicleIdx>>>,
    preferred: Vec<Option<(VehicleIdx, Cost)>>,
}

impl Assignment {
    pub(super) fn allow(&mut self, job: JobIdx, mut vehicles: Vec<VehicleIdx>) {
        if self.allowed.len() <= job.get() {
            self.allowed.resize(job.get() + 1, None);
        }
        vehicles.sort_unstable();
        vehicles.dedup();
        self.allowed[job.get()] = Some(vehicles);
    }

    pub(super) fn prefer(&mut self, job: JobIdx, vehicle: VehicleIdx, cost: Cost) {
        if self.preferred.len() <= job.get() {
            self.preferred.resize(job.get() + 1, None);
        }
        self.preferred[job.get()] = Some((vehicle, cost));
    }

    /// The vehicles allowed to serve `job`; `None` means any.
    pub fn allowed(&self, job: JobIdx) -> Option<&[VehicleIdx]> {
        self.allowed.get(job.get()).and_then(|v| v.as_deref())
    }

    pub fn preferred(&self, job: JobIdx) -> Option<(VehicleIdx, Cost)> {
        self.preferred.get(job.get()).copied().flatten()
    }

    /// Whether any job has a preference (the search then prices it).
    pub fn any_preference(&self) -> bool {
        self.preferred.iter().any(Option::is_some)
    }

    pub(super) fn total_preference_cost(&self) -> Cost {
        self.preferred
            .iter()
            .flatten()
            .fold(0, |a: Cost, (_, c)| a.saturating_add(*c))
    }

    /// Every index names a job and a vehicle; costs are not negative; a
    /// preferred vehicle is among the allowed ones when both are given.
    pub(super) fn validate(&self, jobs: &[Job], vehicles: &[Vehicle]) -> Result<(), ProblemError> {
        let job_id = |j: usize| {
            jobs.get(j)
                .map_or_else(|| format!("#{j}"), |job| job.id.clone())
        };
        let count = vehicles.len();
        let out_of_range = |j: usize, v: VehicleIdx| ProblemError::UnknownVehicle {
            job: job_id(j),
            vehicle: v.0,
            count,
        };
        if self.allowed.len() > jobs.len() || self.preferred.len() > jobs.len() {
            let j = self.allowed.len().max(self.preferred.len()) - 1;
            return Err(ProblemError::UnknownVehicle {
                job: format!("#{j} (no such job)"),
                vehicle: 0,
                count,
            });
        }
        for (j, allowed) in self.allowed.iter().enumerate() {
            if let Some(&v) = allowed.iter().flatten().find(|v| v.get() >= count) {
                return Err(out_of_range(j, v));
            }
        }
        for (j, p) in self.preferred.iter().enumerate() {
            let Some((v, cost)) = *p else { continue };
            if v.get() >= count {
                return Err(out_of_range(j, v));
            }
            if cost < 0 {
                return Err(ProblemError::Negative {
                    owner: format!("job {}", job_id(j)),
                    what: "preference cost",
                });
            }
            if self
                .allowed(JobIdx(j as u32))
                .is_some_and(|allowed| !allowed.contains(&v))
            {
                return Err(ProblemError::PreferredNotAllowed {
                    job: job_id(j),
                    vehicle: vehicles[v.get()].id.clone(),
                });
            }
        }
        Ok(())
    }
}
