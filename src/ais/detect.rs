//! The detectors: AIS gaps ("went dark"), port calls, loitering and encounters between two
//! ships, plus the suspect positions the tracks marked. Every threshold is a field of
//! [`Params`]; [`Preset`]s give the documented sets.
//!
//! Where the numbers come from:
//!
//! | rule | satellite (default) | terrestrial | source |
//! |---|---|---|---|
//! | gap | 6 h without a position | 1 h | satellite AIS revisits every few hours in open ocean; a coastal receiver hears a ship under way every few seconds |
//! | likely switched off | gap ≥ 12 h, both ends ≥ 50 nm from shore | gap ≥ 12 h, no shore rule (a coastal feed only sees ships near shore) | Global Fishing Watch's AIS disabling events (Welch et al., *Science Advances* 2022) |
//! | port call | enters within 3 km of a port, ends when beyond 4 km, stays ≥ 1 h | same | Global Fishing Watch port visits (3 km entry, 4 km exit); the 1 h keeps ships sailing past a port out |
//! | loitering | average speed < 2 kn for ≥ 4 h, ≥ 10 km from any port | same | Global Fishing Watch loitering (< 2 kn); 10 km as for encounters |
//! | encounter | two ships within 500 m for ≥ 2 h, median speed < 2 kn, ≥ 10 km from any port | same | Global Fishing Watch encounters (Miller et al., *Frontiers in Marine Science* 2018) |
//! | suspect position | implied speed > 50 kn from the last good one | same | no merchant ship sails that fast |
//!
//! Encounters compare the ships' positions every 10 minutes, interpolated between reports no
//! more than an hour apart (never across a gap), with candidate pairs from 500-metre cells
//! per moment (the samples sorted by cell; neighbours found by walking the sorted list). A gap is not proof of intent: receivers miss ships, and
//! transponders fail.

use std::collections::HashMap;

use super::shore::{Ports, Shore};
use super::{AisData, Fix, Vessel, distance_m, implied_knots};

/// The thresholds of every detector. An AIS map layer keeps the ones it was made with (as
/// `ais_thresholds`), so the panel can show them.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Params {
    /// A gap is at least this many hours without a position.
    pub gap_hours: f64,
    /// A gap at least this long, with both ends at least `shore_nm` from shore, is "likely
    /// switched off".
    pub off_hours: f64,
    /// Distance from shore for "likely switched off"; 0 turns the shore rule off.
    pub shore_nm: f64,
    pub port_enter_km: f64,
    pub port_exit_km: f64,
    pub port_min_hours: f64,
    pub loiter_knots: f64,
    pub loiter_hours: f64,
    /// Loitering and encounters count only this far from any port.
    pub port_clear_km: f64,
    pub meet_metres: f64,
    pub meet_hours: f64,
    pub meet_knots: f64,
    /// Encounter positions are compared every this many minutes…
    pub resample_minutes: f64,
    /// …interpolated between reports at most this many hours apart.
    pub interpolate_hours: f64,
}

/// Documented sets of thresholds (see the module's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Preset {
    /// Satellite or mixed feeds; Global Fishing Watch's rules.
    #[default]
    Satellite,
    /// Coastal receivers: a ship under way is heard every few seconds, so an hour is a gap.
    Terrestrial,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Satellite, Preset::Terrestrial];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Satellite => "satellite",
            Preset::Terrestrial => "terrestrial",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(s.trim()))
    }

    pub fn params(self) -> Params {
        let satellite = Params {
            gap_hours: 6.0,
            off_hours: 12.0,
            shore_nm: 50.0,
            port_enter_km: 3.0,
            port_exit_km: 4.0,
            port_min_hours: 1.0,
            loiter_knots: 2.0,
            loiter_hours: 4.0,
            port_clear_km: 10.0,
            meet_metres: 500.0,
            meet_hours: 2.0,
            meet_knots: 2.0,
            resample_minutes: 10.0,
            interpolate_hours: 1.0,
        };
        match self {
            Preset::Satellite => satellite,
            Preset::Terrestrial => Params { gap_hours: 1.0, shore_nm: 0.0, ..satellite },
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Preset::default().params()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Gap,
    PortCall,
    Loitering,
    Encounter,
    SuspectJump,
}

impl EventKind {
    pub const ALL: [EventKind; 5] = [EventKind::Gap, EventKind::PortCall, EventKind::Loitering, EventKind::Encounter, EventKind::SuspectJump];

    /// The name in the events CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Gap => "gap",
            EventKind::PortCall => "port_call",
            EventKind::Loitering => "loitering",
            EventKind::Encounter => "encounter",
            EventKind::SuspectJump => "suspect_jump",
        }
    }
}

/// One event and its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub mmsi: u32,
    /// The other ship of an encounter.
    pub other_mmsi: Option<u32>,
    pub start: i64,
    pub end: i64,
    /// Gap: the last position before and the first after. Others: where it began and ended.
    pub start_pos: (f64, f64),
    pub end_pos: (f64, f64),
    /// Straight-line distance between the two positions, km.
    pub distance_km: f64,
    /// The speed the distance implies over the time, knots.
    pub implied_knots: f64,
    /// Gap: the nearer end's distance from shore, nm.
    pub shore_nm: Option<f64>,
    pub port: Option<String>,
    /// Gap: long and far enough out to be "likely switched off".
    pub likely_off: bool,
}

impl Event {
    pub fn hours(&self) -> f64 {
        (self.end - self.start) as f64 / 3600.0
    }

    /// What the map labels it with: "AIS off 31 h", "Port call: Nakhodka, 14 h", …
    pub fn label(&self) -> String {
        let h = self.hours();
        let hours = if h >= 10.0 { format!("{h:.0} h") } else { format!("{h:.1} h") };
        match self.kind {
            EventKind::Gap => format!("AIS off {hours}"),
            EventKind::PortCall => format!("Port call: {}, {hours}", self.port.as_deref().unwrap_or("port")),
            EventKind::Loitering => format!("Loitering {hours}"),
            EventKind::Encounter => format!("Met MMSI {} for {hours}", self.other_mmsi.unwrap_or(0)),
            EventKind::SuspectJump => format!("Suspect position ({:.0} kn)", self.implied_knots),
        }
    }

    fn between(kind: EventKind, mmsi: u32, a: &Fix, b: &Fix) -> Event {
        Event {
            kind,
            mmsi,
            other_mmsi: None,
            start: a.t,
            end: b.t,
            start_pos: (a.lon, a.lat),
            end_pos: (b.lon, b.lat),
            distance_km: distance_m(a.lon, a.lat, b.lon, b.lat) / 1000.0,
            implied_knots: implied_knots(a, b).min(1e6),
            shore_nm: None,
            port: None,
            likely_off: false,
        }
    }
}

/// Everything the detectors need besides the tracks.
pub struct Context<'a> {
    pub params: Params,
    pub ports: &'a Ports,
    pub shore: &'a Shore,
}

/// Runs every detector; events sorted by start, then kind and vessel.
pub fn all(data: &AisData, cx: &Context) -> Vec<Event> {
    let half = data.vessels.len() / 2;
    let (a, b) = data.vessels.split_at(half);
    let per_vessel = |vs: &[Vessel]| vs.iter().flat_map(|v| [gaps(v, cx), port_calls(v, cx), loitering(v, cx), suspects(v)].concat()).collect::<Vec<_>>();
    let (mut events, more, meets) = std::thread::scope(|s| {
        let h = s.spawn(|| per_vessel(a));
        let meets = s.spawn(|| encounters(&data.vessels, cx));
        let more = per_vessel(b);
        (h.join().unwrap_or_default(), more, meets.join().unwrap_or_default())
    });
    events.extend(more);
    events.extend(meets);
    events.sort_by(|x, y| x.start.cmp(&y.start).then(x.kind.cmp(&y.kind)).then(x.mmsi.cmp(&y.mmsi)));
    events
}

fn good(v: &Vessel) -> Vec<&Fix> {
    v.fixes.iter().filter(|f| !f.suspect).collect()
}

pub fn gaps(v: &Vessel, cx: &Context) -> Vec<Event> {
    let p = &cx.params;
    let fixes = good(v);
    let mut out = Vec::new();
    for w in fixes.windows(2) {
        let (a, b) = (w[0], w[1]);
        if ((b.t - a.t) as f64) < p.gap_hours * 3600.0 {
            continue;
        }
        let mut e = Event::between(EventKind::Gap, v.mmsi, a, b);
        let shore = cx.shore.distance_nm(a.lon, a.lat).min(cx.shore.distance_nm(b.lon, b.lat));
        e.shore_nm = Some(shore);
        e.likely_off = e.hours() >= p.off_hours && (p.shore_nm <= 0.0 || shore >= p.shore_nm);
        out.push(e);
    }
    out
}

pub fn port_calls(v: &Vessel, cx: &Context) -> Vec<Event> {
    let p = &cx.params;
    let fixes = good(v);
    let mut out = Vec::new();
    // The port of the call under way, its first fix, and the last fix within the exit radius.
    let mut call: Option<(&super::shore::Port, usize, usize)> = None;
    let close = |call: (&super::shore::Port, usize, usize), out: &mut Vec<Event>| {
        let (port, first, last) = call;
        let mut e = Event::between(EventKind::PortCall, v.mmsi, fixes[first], fixes[last]);
        if e.hours() >= p.port_min_hours {
            e.port = Some(port.name.clone());
            out.push(e);
        }
    };
    // Far from every port, the positions until the ship could have come within reach are
    // skipped: between good positions it makes at most `SUSPECT_KNOTS` (a ship 100 nm out
    // at 50 knots is two hours away), so nothing is missed.
    let max_speed = super::tracks::SUSPECT_KNOTS * super::NM / 3600.0;
    let mut skip_until = i64::MIN;
    for (i, f) in fixes.iter().enumerate() {
        if let Some((port, first, _)) = call {
            if distance_m(f.lon, f.lat, port.lon, port.lat) <= p.port_exit_km * 1000.0 {
                call = Some((port, first, i));
                continue;
            }
            close(call.take().expect("a call is under way"), &mut out);
        }
        if f.t < skip_until {
            continue;
        }
        match cx.ports.within(f.lon, f.lat, p.port_enter_km * 1000.0) {
            Some((port, _)) => call = Some((port, i, i)),
            None => {
                // (No port at all: nothing to skip to.)
                let reach = cx.ports.nearest_m(f.lon, f.lat) - p.port_enter_km * 1000.0;
                skip_until = f.t.saturating_add((reach / max_speed).floor() as i64);
            }
        }
    }
    if let Some(c) = call {
        close(c, &mut out);
    }
    out
}

fn near_port(cx: &Context, f: &Fix) -> bool {
    cx.ports.within(f.lon, f.lat, cx.params.port_clear_km * 1000.0).is_some()
}

pub fn loitering(v: &Vessel, cx: &Context) -> Vec<Event> {
    let p = &cx.params;
    let fixes = good(v);
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < fixes.len() {
        // A run of slow segments from fix i, none across a gap, none near a port.
        let slow = |j: usize| {
            let (a, b) = (fixes[j], fixes[j + 1]);
            ((b.t - a.t) as f64) < p.gap_hours * 3600.0 && implied_knots(a, b) < p.loiter_knots
        };
        if !slow(i) || near_port(cx, fixes[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < fixes.len() && slow(j) && !near_port(cx, fixes[j + 1]) {
            j += 1;
        }
        let (a, b) = (fixes[i], fixes[j]);
        if ((b.t - a.t) as f64) >= p.loiter_hours * 3600.0 {
            out.push(Event::between(EventKind::Loitering, v.mmsi, a, b));
        }
        i = j.max(i + 1);
    }
    out
}

pub fn suspects(v: &Vessel) -> Vec<Event> {
    let mut out = Vec::new();
    let mut last_good: Option<&Fix> = None;
    for f in &v.fixes {
        if f.suspect {
            let from = last_good.unwrap_or(f);
            let mut e = Event::between(EventKind::SuspectJump, v.mmsi, from, f);
            e.start = f.t;
            out.push(e);
        } else {
            last_good = Some(f);
        }
    }
    out
}

/// One vessel's position at a moment, interpolated between reports close enough in time.
#[derive(Clone, Copy)]
struct Sample {
    vessel: usize,
    lon: f64,
    lat: f64,
    knots: f64,
}

pub fn encounters(vessels: &[Vessel], cx: &Context) -> Vec<Event> {
    let p = &cx.params;
    let step = (p.resample_minutes * 60.0).round().max(60.0) as i64;
    let max_gap = (p.interpolate_hours * 3600.0) as i64;
    let tracks: Vec<Vec<&Fix>> = vessels.iter().map(good).collect();
    let Some(t0) = tracks.iter().filter_map(|t| t.first()).map(|f| f.t).min() else { return Vec::new() };
    let t1 = tracks.iter().filter_map(|t| t.last()).map(|f| f.t).max().unwrap_or(t0);
    let mut cursor = vec![0usize; tracks.len()];
    // Vessels by first report, to add them to the active set as time reaches them.
    let mut order: Vec<usize> = (0..tracks.len()).filter(|&i| !tracks[i].is_empty()).collect();
    order.sort_by_key(|&i| tracks[i][0].t);
    let mut next_new = 0;
    let mut active: Vec<usize> = Vec::new();
    // Per pair: the moments they were close, with both speeds and where.
    let mut close: HashMap<(usize, usize), Vec<(i64, f64, f64, f64, f64)>> = HashMap::new();
    let cell_m = p.meet_metres.max(1.0);
    let cell = |s: &Sample| ((s.lon * 111_320.0 * s.lat.to_radians().cos() / cell_m).floor() as i64, (s.lat * 110_574.0 / cell_m).floor() as i64);
    let mut samples: Vec<(i64, Sample)> = Vec::new();
    let mut keys: Vec<(i64, (i64, i64), usize)> = Vec::new();
    // A day of moments at a time: each vessel's samples come from walking its own reports
    // (so the work follows the reports, not the span: two reports a century apart cost two
    // steps, not five million), then sorted by moment and cell.
    const CHUNK: i64 = 86_400;
    let floor = |t: i64| t.div_euclid(step) * step;
    let mut from = floor(t0);
    while from <= t1 {
        let to = from + CHUNK;
        while next_new < order.len() && tracks[order[next_new]][0].t < to {
            active.push(order[next_new]);
            next_new += 1;
        }
        active.retain(|&i| tracks[i].last().is_some_and(|f| f.t >= from));
        if active.is_empty() {
            match order.get(next_new) {
                Some(&i) => from = floor(tracks[i][0].t).max(to),
                None => break,
            }
            continue;
        }
        samples.clear();
        for &i in &active {
            let tr = &tracks[i];
            let c = &mut cursor[i];
            while *c + 1 < tr.len() && tr[*c + 1].t <= from {
                *c += 1;
            }
            let mut j = *c;
            while let Some(&a) = tr.get(j)
                && a.t < to
            {
                let covered = tr.get(j + 1).filter(|b| b.t - a.t <= max_gap);
                // A moment on the report itself, then the moments up to the next report if
                // it is close enough in time to interpolate.
                if a.t >= from && a.t.rem_euclid(step) == 0 {
                    samples.push((a.t, Sample { vessel: i, lon: a.lon, lat: a.lat, knots: covered.map_or(0.0, |b| implied_knots(a, b)) }));
                }
                if let Some(b) = covered {
                    let mut t = floor(a.t.max(from) + step - 1).max(from);
                    if t <= a.t {
                        t += step;
                    }
                    while t < b.t && t < to {
                        let k = (t - a.t) as f64 / (b.t - a.t) as f64;
                        samples.push((t, Sample { vessel: i, lon: a.lon + (b.lon - a.lon) * k, lat: a.lat + (b.lat - a.lat) * k, knots: implied_knots(a, b) }));
                        t += step;
                    }
                }
                j += 1;
            }
        }
        // Candidate pairs per moment: the samples sorted by moment and 500-metre cell; each
        // looks at its own cell and the next one up, then at the three cells of the next
        // column, found by walking the sorted list from where they begin.
        keys.clear();
        keys.extend(samples.iter().enumerate().map(|(k, (t, s))| (*t, cell(s), k)));
        keys.sort_unstable();
        let mut g = 0;
        while g < keys.len() {
            let t = keys[g].0;
            let end = keys[g..].iter().position(|e| e.0 != t).map_or(keys.len(), |n| g + n);
            let group = &keys[g..end];
            for (at, &(_, (cx0, cy0), k)) in group.iter().enumerate() {
                let s = &samples[k].1;
                let column = group[at + 1..].iter().take_while(|e| e.1.0 == cx0 && e.1.1 <= cy0 + 1);
                let start = group.partition_point(|e| e.1 < (cx0 + 1, cy0 - 1));
                let next = group[start..].iter().take_while(|e| e.1.0 == cx0 + 1 && e.1.1 <= cy0 + 1);
                for &(_, _, o) in column.chain(next) {
                    let q = &samples[o].1;
                    // (Two reports of one ship at the same second are not a meeting.)
                    if q.vessel != s.vessel && distance_m(s.lon, s.lat, q.lon, q.lat) <= p.meet_metres {
                        let key = if s.vessel < q.vessel { (s.vessel, q.vessel) } else { (q.vessel, s.vessel) };
                        close.entry(key).or_default().push((t, s.knots, q.knots, (s.lon + q.lon) / 2.0, (s.lat + q.lat) / 2.0));
                    }
                }
            }
            g = end;
        }
        from = to;
    }
    let mut out = Vec::new();
    for ((a, b), moments) in close {
        let mut start = 0;
        while start < moments.len() {
            let mut end = start;
            while end + 1 < moments.len() && moments[end + 1].0 - moments[end].0 == step {
                end += 1;
            }
            let run = &moments[start..=end];
            let hours = (run[run.len() - 1].0 - run[0].0) as f64 / 3600.0;
            let mut speeds: Vec<f64> = run.iter().flat_map(|m| [m.1, m.2]).collect();
            speeds.sort_by(f64::total_cmp);
            let median = speeds[speeds.len() / 2];
            let (first, last) = (run[0], run[run.len() - 1]);
            let far = [first, last].iter().all(|m| cx.ports.within(m.3, m.4, p.port_clear_km * 1000.0).is_none());
            if hours >= p.meet_hours && median < p.meet_knots && far {
                let (va, vb) = (&vessels[a], &vessels[b]);
                let (lo, hi) = if va.mmsi < vb.mmsi { (va, vb) } else { (vb, va) };
                let mut e = Event::between(EventKind::Encounter, lo.mmsi, &Fix::new(first.0, first.3, first.4), &Fix::new(last.0, last.3, last.4));
                e.other_mmsi = Some(hi.mmsi);
                out.push(e);
            }
            start = end + 1;
        }
    }
    out
}

/// A sentence for people reading the events: what a gap does and does not show.
pub const GAP_CAVEAT: &str = "A gap is not proof of intent: satellites and coastal receivers miss ships, and transponders fail.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ais::shore::{Ports, Shore};

    fn vessel(mmsi: u32, fixes: Vec<Fix>) -> Vessel {
        Vessel { mmsi, fixes, ..Vessel::default() }
    }

    /// Two ships drifting 100 m apart for 3 h are found; reports a century apart, and two
    /// reports of one ship at the same second, add nothing (and cost two steps, not a
    /// century of them).
    #[test]
    fn encounters_follow_the_reports_not_the_span() {
        let drift = |lon: f64| (0..37).map(|i| Fix::new(i * 300, lon + i as f64 * 1e-4, 20.0)).collect::<Vec<_>>();
        let mut a = drift(150.0);
        a.push(Fix::new(100 * 365 * 86_400, 150.0, 20.0));
        a.insert(0, Fix::new(-100 * 365 * 86_400, 150.0, 20.0));
        let mut b = drift(150.001);
        b.push(Fix { lon: 150.2, ..b[5] }); // same second as another report
        b.sort_by_key(|f| f.t);
        let vessels = vec![vessel(1, a), vessel(2, b)];
        let ports = Ports::new(Vec::new());
        let cx = Context { params: Params::default(), ports: &ports, shore: Shore::embedded() };
        let found = encounters(&vessels, &cx);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].mmsi, found[0].other_mmsi, found[0].start, found[0].end), (1, Some(2), 0, 36 * 300));
    }
}
