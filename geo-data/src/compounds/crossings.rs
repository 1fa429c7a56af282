//! Where a road crosses a compound's boundary: the gates of a compound whose
//! gate nodes are not mapped.
//!
//! A road is followed node by node and each of its segments cut where it
//! meets the boundary; the middle of each piece tells which side the road is
//! on. Only a change from inside to outside or back is a crossing, so the
//! ways roads are drawn next to a fence (on its line, up to it and back,
//! through a corner) add nothing.

use super::geometry::{lerp, meet_params, point_in_ring, to_ring, Local};
use super::{node_at, Candidate, FoundGate, GateKind, ON_BOUNDARY_M};
use crate::osm::{OsmData, OsmWay};

/// Follows one road and records where it passes from inside the ring to
/// outside or back. Stretches along the boundary are neither, so a road
/// drawn on the fence line or one that touches it and turns back adds
/// nothing. A clipped road starts afresh after each missing node.
pub(super) fn crossings_of(
    data: &OsmData,
    road: &OsmWay,
    local: &Local,
    ring: &[[f64; 2]],
    (lo, hi): ([f64; 2], [f64; 2]),
    out: &mut Vec<Candidate>,
) {
    let mut inside: Option<bool> = None;
    let mut prev: Option<([f64; 2], i64, [f64; 2])> = None;
    let mut ts: Vec<f64> = Vec::new();
    for &id in &road.refs {
        let Some(at) = node_at(data, id) else {
            prev = None;
            inside = None;
            continue;
        };
        let b = local.xy(at);
        if let Some((a, a_id, a_at)) = prev {
            let apart = a[0].max(b[0]) < lo[0]
                || a[0].min(b[0]) > hi[0]
                || a[1].max(b[1]) < lo[1]
                || a[1].min(b[1]) > hi[1];
            if apart {
                inside = Some(false);
            } else {
                ts.clear();
                ts.extend([0.0, 1.0]);
                for e in ring.windows(2) {
                    meet_params(a, b, e[0], e[1], &mut ts);
                }
                ts.sort_by(f64::total_cmp);
                ts.dedup_by(|x, y| (*x - *y).abs() < 1e-9);
                for w in ts.windows(2) {
                    let m = lerp(a, b, (w[0] + w[1]) / 2.0);
                    let Some((d, _)) = to_ring(m, ring) else {
                        return;
                    };
                    if d < ON_BOUNDARY_M {
                        continue;
                    }
                    let now_in = point_in_ring(m[0], m[1], ring);
                    if inside.is_some_and(|was| was != now_in) {
                        // The road changes sides at the start of this stretch.
                        let at_node = w[0] == 0.0;
                        let xy = lerp(a, b, w[0]);
                        let [lat, lon] = if at_node { a_at } else { local.latlon(xy) };
                        let along = to_ring(xy, ring).map_or(0.0, |r| r.1);
                        out.push(Candidate {
                            gate: FoundGate {
                                osm_node: at_node.then_some(a_id),
                                lat,
                                lon,
                                kind: GateKind::RoadCrossing,
                                name: road.tag("name").map(String::from),
                            },
                            xy,
                            along,
                        });
                    }
                    inside = Some(now_in);
                }
            }
        }
        prev = Some((b, id, at));
    }
}
