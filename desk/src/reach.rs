//! Travel between a new door and every location of a plan under way, from one
//! [`PointIndex`] per travel profile kept in the warm state.
//!
//! An urgent order's door is a point the plan has never seen. The desk needs
//! the travel from every location of the plan to it and back, for every squad's
//! profile: a matrix on the plan's points plus the door would redo every
//! search of the plan (a second on 2,000 stops), and a small matrix on a few
//! pre-selected locations misses positions. The index keeps the plan's
//! searches, so one question costs two upward searches per profile and a scan,
//! and gives the same numbers as the day's matrices, cell for cell (geo-data
//! tests the index against `matrix`; the desk's tests price positions with a
//! matrix and compare).
//!
//! Locations only ever join a plan (a committed door, a retry at an old door),
//! never leave it, so the index follows the plan by appending: [`Reach::sync`]
//! adds whatever locations were added since it last looked.

use geo_data::{PointCosts, PointIndex, PreparedGraphs, ProfileGraph, SnappedPoint};

use crate::travel::Travel;
use dayplan::convert::{geo_profile, park_between, Snapped};

/// The index of one profile and which location each indexed point is.
struct ProfileReach {
    index: PointIndex,
    /// Location of each indexed point, in index order: locations without a
    /// road near them on this profile are not indexed (they are unreachable).
    loc_of: Vec<u32>,
    /// Seconds to park a vehicle of this profile ([`dayplan::convert::park_between`]).
    park_s: u32,
}

/// One [`PointIndex`] per profile of the plan, over its snapped locations.
pub struct Reach {
    /// In the order of [`Snapped::profiles`] (the problem's profile order).
    per_profile: Vec<ProfileReach>,
    /// Locations `0..covered` are indexed (those snapped on each profile).
    covered: usize,
}

fn graph(graphs: &PreparedGraphs, prof: dayplan::dto::Profile) -> Result<&ProfileGraph, String> {
    graphs
        .graph(geo_profile(prof))
        .ok_or_else(|| format!("no {prof:?} graph loaded for this plan"))
}

impl Reach {
    /// Indexes every snapped location of the plan: the searches of a
    /// matrix's first half, in parallel on the rayon pool.
    pub fn build(snapped: &Snapped, graphs: &PreparedGraphs) -> Result<Reach, String> {
        let mut per_profile = Vec::with_capacity(snapped.profiles.len());
        for ((&prof, locs), &park_s) in snapped
            .profiles
            .iter()
            .zip(&snapped.snapped)
            .zip(&snapped.park_s)
        {
            let pg = graph(graphs, prof)?;
            let (loc_of, points): (Vec<u32>, Vec<SnappedPoint>) = locs
                .iter()
                .enumerate()
                .filter_map(|(l, p)| p.map(|p| (l as u32, p)))
                .unzip();
            per_profile.push(ProfileReach {
                index: pg.point_index(&points),
                loc_of,
                park_s,
            });
        }
        Ok(Reach {
            per_profile,
            covered: snapped.points.len(),
        })
    }

    /// Appends the locations the plan gained since the index last looked (two
    /// upward searches each, no rebuild). A plan whose profiles changed (never
    /// expected) is indexed again.
    pub fn sync(&mut self, snapped: &Snapped, graphs: &PreparedGraphs) -> Result<(), String> {
        let n = snapped.points.len();
        if self.per_profile.len() != snapped.profiles.len() || self.covered > n {
            *self = Reach::build(snapped, graphs)?;
            return Ok(());
        }
        for ((&prof, locs), pr) in snapped
            .profiles
            .iter()
            .zip(&snapped.snapped)
            .zip(&mut self.per_profile)
        {
            let pg = graph(graphs, prof)?;
            for (l, p) in locs.iter().enumerate().take(n).skip(self.covered) {
                if let Some(p) = p {
                    pg.append_point(&mut pr.index, p);
                    pr.loc_of.push(l as u32);
                }
            }
        }
        self.covered = n;
        Ok(())
    }

    /// Number of locations covered.
    pub fn covered(&self) -> usize {
        self.covered
    }

    /// Heap memory of the indices, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.per_profile
            .iter()
            .map(|p| p.index.heap_bytes() + p.loc_of.capacity() * 4)
            .sum()
    }

    /// Travel between `door` (snapped on profile `pi`'s graph) and every
    /// location covered, in seconds and metres as the problem's matrices hold
    /// them, `None` where there is no path or the location is not on this
    /// profile's roads.
    pub fn travel(
        &self,
        graphs: &PreparedGraphs,
        prof: dayplan::dto::Profile,
        pi: usize,
        door: &SnappedPoint,
    ) -> Result<Travel, String> {
        let pg = graph(graphs, prof)?;
        let pr = &self.per_profile[pi];
        let mut t = Travel {
            to_new: vec![None; self.covered],
            from_new: vec![None; self.covered],
        };
        let from = pg.from_point(&pr.index, door);
        let to = pg.to_point(&pr.index, door);
        let points = pr.index.points();
        for (i, &l) in pr.loc_of.iter().enumerate() {
            let park = park_between(pr.park_s, door, &points[i]);
            t.from_new[l as usize] = cell(&from, i, park);
            t.to_new[l as usize] = cell(&to, i, park);
        }
        Ok(t)
    }
}

/// One cell as the problem's matrices store it: seconds (parking included)
/// and metres, clamped below the solver's `UNREACHABLE` exactly as
/// `convert::matrices` does.
fn cell(c: &PointCosts, i: usize, park: i32) -> Option<(i32, i32)> {
    let d = c.durations[i];
    (d != geo_data::UNREACHABLE).then(|| {
        (
            (d.min(i32::MAX as u32 - 1) as i32)
                .saturating_add(park)
                .min(i32::MAX - 1),
            c.distances[i].min(i32::MAX as u32 - 1) as i32,
        )
    })
}
