//! Where moving things are at the timeline's cursor: every line feature with per-vertex
//! `times` (AIS tracks, GPX tracks, KML `gx:Track`s) gives a marker at its position at that
//! moment, interpolated between the two reports around it, and a short trail behind it.
//!
//! Parts of a multi-line are never joined: an AIS track is cut at its gaps, so a ship is
//! not shown while it was not seen. The times are read once per layer ([`Timed::of`]).

use geo::Geometry;

use super::{Primitive, Px, ScreenTransform, Stroke, style};
use crate::model::{Feature, FeatureRef, Layer};

/// One part of a timed line: (Unix seconds, lon, lat) in time order.
type Part = Vec<(i64, f64, f64)>;

/// The timed lines of a layer.
pub struct Timed {
    tracks: Vec<(FeatureRef, String, Vec<Part>)>,
}

/// A time in a `times` array: Unix seconds, or an ISO 8601 string.
fn seconds(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => crate::ais::time::parse(s, crate::ais::time::DateOrder::MonthFirst),
        _ => None,
    }
}

impl Timed {
    /// The lines of `layer` (at index `layer_index`) that have one time per vertex.
    pub fn of(layer_index: usize, layer: &Layer) -> Timed {
        let mut tracks = Vec::new();
        for (i, f) in layer.features.iter().enumerate() {
            if let Some(parts) = parts(f) {
                let name = f.name().unwrap_or_default().to_owned();
                tracks.push((FeatureRef { layer: layer_index, feature: i }, name, parts));
            }
        }
        Timed { tracks }
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// The first and last time of every track, in Unix seconds.
    pub fn span(&self) -> Option<(i64, i64)> {
        let all = self.tracks.iter().flat_map(|t| t.2.iter()).filter_map(|p| Some((p.first()?.0, p.last()?.0)));
        all.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    /// Markers at `t` with trails of `trail` seconds, as primitives on the screen, and the
    /// features they belong to. `fade_of` dims or hides a track (0: hidden).
    pub fn at(&self, t: i64, trail: i64, screen: &ScreenTransform, fade_of: &dyn Fn(FeatureRef) -> f32) -> Vec<(FeatureRef, Primitive)> {
        let mut out = Vec::new();
        for (at, name, parts) in &self.tracks {
            let fade = fade_of(*at);
            if fade <= 0.0 {
                continue;
            }
            let Some((pos, trail_pts)) = parts.iter().find_map(|p| position(p, t, trail)) else { continue };
            let points: Vec<Px> = trail_pts.iter().map(|(lon, lat)| screen.screen_from_lonlat(*lon, *lat)).collect();
            let head = screen.screen_from_lonlat(pos.0, pos.1);
            let alpha = (fade * 255.0) as u8;
            if points.len() >= 2 {
                out.push((*at, Primitive::Line { points, stroke: Stroke::solid(style::VERMILLION.with_alpha(alpha / 2 + 40), 2.5) }));
            }
            out.push((*at, Primitive::Circle { center: head, radius: 5.5, fill: style::VERMILLION.with_alpha(alpha), stroke: Some(Stroke::solid(style::WHITE.with_alpha(alpha), 1.5)) }));
            if !name.is_empty() {
                out.push((
                    *at,
                    Primitive::Text { anchor: [head[0] + 9.0, head[1] - 7.0], align: super::Anchor::Left, text: name.clone(), size: 11.0, color: style::INK.with_alpha(alpha), halo: style::LABEL_HALO },
                ));
            }
        }
        out
    }
}

fn parts(f: &Feature) -> Option<Vec<Part>> {
    let times = f.properties.get("times")?;
    let times: Vec<i64> = times.as_array()?.iter().map(seconds).collect::<Option<_>>()?;
    let lines: Vec<&geo::LineString<f64>> = match f.geometry.as_ref()? {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => return None,
    };
    if lines.iter().map(|l| l.0.len()).sum::<usize>() != times.len() {
        return None;
    }
    let mut k = 0;
    let mut out = Vec::new();
    for l in lines {
        // Placed as the line is drawn: across the antimeridian the short way.
        let part: Part = l.0.iter().zip(crate::projection::unwrapped_lons(&l.0, 0)).map(|(c, lon)| {
            let p = (times[k], lon, c.y);
            k += 1;
            p
        }).collect();
        if part.windows(2).all(|w| w[0].0 <= w[1].0) {
            out.push(part);
        }
    }
    Some(out)
}

/// The position at `t` within a part (interpolated), and the trail of the last `trail`
/// seconds up to it; `None` when the part does not cover `t`.
fn position(part: &Part, t: i64, trail: i64) -> Option<((f64, f64), Vec<(f64, f64)>)> {
    let (first, last) = (part.first()?, part.last()?);
    if t < first.0 || t > last.0 {
        return None;
    }
    let i = part.partition_point(|p| p.0 <= t); // part[i - 1].0 <= t < part[i].0
    let a = part[i.saturating_sub(1)];
    let pos = match part.get(i) {
        Some(b) if b.0 > a.0 => {
            let k = (t - a.0) as f64 / (b.0 - a.0) as f64;
            (a.1 + (b.1 - a.1) * k, a.2 + (b.2 - a.2) * k)
        }
        _ => (a.1, a.2),
    };
    let from = part.partition_point(|p| p.0 < t - trail);
    let mut trail: Vec<(f64, f64)> = part[from..i].iter().map(|p| (p.1, p.2)).collect();
    trail.push(pos);
    Some((pos, trail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_interpolated_within_parts_never_across_a_gap() {
        let part: Part = vec![(0, 0.0, 0.0), (100, 1.0, 0.0), (200, 2.0, 0.0)];
        let (pos, trail) = position(&part, 150, 120).unwrap();
        assert_eq!(pos, (1.5, 0.0));
        assert_eq!(trail, vec![(1.0, 0.0), (1.5, 0.0)]);
        assert!(position(&part, 201, 10).is_none());
        let f = Feature {
            geometry: Some(Geometry::MultiLineString(geo::MultiLineString(vec![
                geo::LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]),
                geo::LineString::from(vec![(5.0, 0.0), (6.0, 0.0)]),
            ]))),
            properties: serde_json::json!({"name": "A", "times": [0, 100, 1000, "1970-01-01T00:18:20Z"]}).as_object().unwrap().clone().into(),
            ..Feature::default()
        };
        let layer = Layer { features: vec![f], ..Layer::default() };
        let timed = Timed::of(0, &layer);
        assert_eq!(timed.span(), Some((0, 1100)));
        let screen = ScreenTransform { world_origin: [0.0, 0.0], px_per_world: 1000.0 };
        assert_eq!(timed.at(50, 60, &screen, &|_| 1.0).len(), 3, "trail, marker and name");
        assert!(timed.at(500, 60, &screen, &|_| 1.0).is_empty(), "in the gap: not shown");
        assert!(timed.at(1050, 60, &screen, &|_| 0.0).is_empty(), "hidden");
    }
}
