//! One track per vessel: positions sorted by time, repeats removed, and positions a ship could
//! not have sailed to marked suspect.
//!
//! A position is suspect when reaching it from the last good one needs more than
//! [`SUSPECT_KNOTS`] (no merchant ship does 50 knots; a jump like that is a bad GPS fix, a
//! receiver error or a spoofed position). The track goes on from the last good position, so
//! one bad fix never drags the rest with it; if the next [`CONFIRM`] positions agree with the
//! jump rather than with what came before, the ship really is there (the earlier position was
//! the odd one, or the file joined two ships under one MMSI) and the jump is kept.

use super::{AisData, Fix, Vessel, implied_knots};

/// Above this implied speed a position is suspect.
pub const SUSPECT_KNOTS: f64 = 50.0;
/// Positions that must agree with a jump for it to stand.
const CONFIRM: usize = 3;

/// Sorts, removes repeats and marks suspects, vessel by vessel on two threads. Returns the
/// number of repeated reports removed.
pub fn build(data: &mut AisData) -> usize {
    let half = data.vessels.len() / 2;
    let (a, b) = data.vessels.split_at_mut(half);
    let (ra, rb) = std::thread::scope(|s| {
        let h = s.spawn(|| a.iter_mut().map(vessel).sum::<usize>());
        let rb = b.iter_mut().map(vessel).sum::<usize>();
        (h.join().unwrap_or(0), rb)
    });
    let removed = ra + rb;
    if removed > 0 {
        data.notes.push(format!("{removed} repeated report{} removed", if removed == 1 { "" } else { "s" }));
    }
    removed
}

/// One vessel's track; returns the repeats removed.
pub fn vessel(v: &mut Vessel) -> usize {
    let fixes = &mut v.fixes;
    fixes.sort_by(|a, b| a.t.cmp(&b.t).then(a.lon.total_cmp(&b.lon)).then(a.lat.total_cmp(&b.lat)));
    let before = fixes.len();
    fixes.dedup_by(|b, a| a.t == b.t && a.lon == b.lon && a.lat == b.lat);
    let removed = before - fixes.len();
    mark_suspects(fixes);
    removed
}

fn mark_suspects(fixes: &mut [Fix]) {
    for f in fixes.iter_mut() {
        f.suspect = false;
    }
    let mut good: Option<usize> = None;
    let mut i = 0;
    while i < fixes.len() {
        let Some(g) = good else {
            good = Some(i);
            i += 1;
            continue;
        };
        if implied_knots(&fixes[g], &fixes[i]) <= SUSPECT_KNOTS {
            good = Some(i);
            i += 1;
            continue;
        }
        // A jump: does what follows agree with it?
        let confirmed = (1..=CONFIRM).all(|k| fixes.get(i + k).is_some_and(|n| implied_knots(&fixes[i + k - 1], n) <= SUSPECT_KNOTS))
            && fixes.get(i + 1).is_some_and(|n| implied_knots(&fixes[g], n) > SUSPECT_KNOTS);
        if confirmed {
            good = Some(i);
        } else {
            fixes[i].suspect = true;
        }
        i += 1;
    }
}

/// The good positions of a track (suspects left out).
pub fn good(v: &Vessel) -> impl Iterator<Item = &Fix> {
    v.fixes.iter().filter(|f| !f.suspect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bad_fix_is_suspect_and_the_track_goes_on() {
        let mut v = Vessel { mmsi: 1, ..Vessel::default() };
        for i in 0..10 {
            v.fixes.push(Fix::new(i * 600, 132.0 + i as f64 * 0.03, 42.0));
        }
        v.fixes[5].lon += 5.0; // 220 nm in 10 minutes
        v.fixes.push(v.fixes[3]); // a repeat
        v.fixes.swap(1, 7); // out of order
        assert_eq!(vessel(&mut v), 1);
        let suspects: Vec<usize> = v.fixes.iter().enumerate().filter(|(_, f)| f.suspect).map(|(i, _)| i).collect();
        assert_eq!(suspects, vec![5]);
        assert!(v.fixes.windows(2).all(|w| w[0].t < w[1].t));
    }

    #[test]
    fn a_jump_the_next_positions_confirm_stands() {
        let mut v = Vessel { mmsi: 1, ..Vessel::default() };
        v.fixes.push(Fix::new(0, 100.0, 0.0));
        for i in 1..8 {
            v.fixes.push(Fix::new(i * 600, 132.0 + i as f64 * 0.03, 42.0));
        }
        vessel(&mut v);
        let suspects: Vec<usize> = v.fixes.iter().enumerate().filter(|(_, f)| f.suspect).map(|(i, _)| i).collect();
        assert!(suspects.is_empty(), "{suspects:?}");
    }
}
