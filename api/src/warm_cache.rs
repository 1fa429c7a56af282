//! The cache of warm desk states: the plans under way a desk worked on
//! lately, each a [`DeskState`] ready to answer in milliseconds. Kept apart
//! from the desk's calls ([`crate::warm`]) so that the solve queue can hand
//! over a finished plan's state without depending on them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use desk::DeskState;
use geo_data::PreparedGraphs;

/// Plans kept warm at once (a 2,000-stop day holds about 35 MB of matrices).
const WARM_PLANS: usize = 8;

/// Warm states by plan id, the oldest dropped first.
#[derive(Default)]
pub struct WarmStates {
    warm: Mutex<(HashMap<String, Arc<Mutex<DeskState>>>, VecDeque<String>)>,
}

impl WarmStates {
    pub fn get(&self, id: &str) -> Option<Arc<Mutex<DeskState>>> {
        self.warm.lock().ok()?.0.get(id).cloned()
    }
    pub fn put(&self, st: DeskState) -> Arc<Mutex<DeskState>> {
        let id = st.plan_id().to_string();
        let arc = Arc::new(Mutex::new(st));
        if let Ok(mut w) = self.warm.lock() {
            if w.0.insert(id.clone(), arc.clone()).is_none() {
                w.1.push_back(id);
            }
            while w.1.len() > WARM_PLANS {
                if let Some(old) = w.1.pop_front() {
                    w.0.remove(&old);
                }
            }
        }
        arc
    }
    /// Keeps the state of a solve that just finished (no second snap or
    /// matrix), its travel index built.
    pub fn seed(&self, mut st: DeskState, graphs: &PreparedGraphs) {
        desk::restore::warm(&mut st, graphs);
        self.put(st);
    }
    /// Drops a state whose write failed: the next call rebuilds it from the store.
    pub fn evict(&self, id: &str) {
        if let Ok(mut w) = self.warm.lock() {
            w.0.remove(id);
            w.1.retain(|x| x != id);
        }
    }
}
