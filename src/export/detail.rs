//! The detail inset: a magnified view of a box (where the story happens: Peter the Great Gulf
//! at the scale of the whole route) in a corner of the map, framed, with a leader to its place
//! on the main map and a scale bar of its own; and the box to suggest when labelled sites
//! crowd together.
//!
//! The inset's scene is built by [`crate::scene::build`] for its own view, like the main map's,
//! then moved into its corner and cut to it by geometry (lines and rings clipped, markers and
//! labels outside left out), so the PNG, SVG and PDF writers draw it as they draw everything
//! else.

use super::layout::Rect;
use crate::basemap::clip::{PxRect, clip_polyline, clip_ring};
use crate::projection::{WorldRect, world_from_lonlat};
use crate::scene::{Primitive, Px, ScreenTransform};

/// A placed inset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detail {
    /// Where it sits, in frame pixels.
    pub rect: Rect,
    /// World → inset pixels (origin at the inset's top-left corner).
    pub transform: ScreenTransform,
    /// The basemap zoom of the inset.
    pub zoom: f64,
    /// The box asked for, in world units, as the main map shows it.
    pub region: WorldRect,
}

/// The inset is worth drawing only when it magnifies at least this much.
pub const MIN_MAGNIFICATION: f64 = 1.5;

/// The world rectangle of a lon/lat box (west, south, east, north; east < west crosses 180°).
pub fn world_box(b: [f64; 4]) -> WorldRect {
    let [w, s, e, n] = b;
    let e = if e < w { e + 360.0 } else { e };
    let (x0, y1) = world_from_lonlat(w, s);
    let (x1, y0) = world_from_lonlat(e, n);
    WorldRect { min: [x0, y0], max: [x1, y1] }
}

/// Places an inset showing `region` in the frame corner that hides least (`cost` of a
/// candidate rectangle), away from `taken` rectangles and from the region itself on the main
/// map. `None` when the region is not small enough to be worth magnifying, or no corner has
/// room. `max` is the largest inset (width, height) in pixels.
pub fn place(region: WorldRect, main: &ScreenTransform, frame: [f32; 2], pad: f32, max: [f32; 2], taken: &[Rect], cost: impl Fn(&Rect) -> f64) -> Result<Detail, String> {
    let aspect = (region.width() / region.height().max(1e-12)) as f32;
    if !(aspect.is_finite() && aspect > 0.0) {
        return Err("the detail box is empty".into());
    }
    let (mut w, mut h) = (max[0], max[0] / aspect);
    if h > max[1] {
        (w, h) = (max[1] * aspect, max[1]);
    }
    let px_per_world = f64::from(w) / region.width();
    let magnification = px_per_world / main.px_per_world;
    if magnification < MIN_MAGNIFICATION {
        return Err(format!(
            "the detail box would be magnified only {magnification:.1}× (at least {MIN_MAGNIFICATION}×): give a smaller box"
        ));
    }
    let on_main = {
        let a = main.screen_from_world(region.min);
        let b = main.screen_from_world(region.max);
        Rect { x: a[0], y: a[1], w: b[0] - a[0], h: b[1] - a[1] }
    };
    let candidates = [
        Rect { x: frame[0] - pad - w, y: pad, w, h },
        Rect { x: pad, y: pad, w, h },
        Rect { x: frame[0] - pad - w, y: frame[1] - pad - h, w, h },
        Rect { x: pad, y: frame[1] - pad - h, w, h },
    ];
    let rect = candidates
        .into_iter()
        .filter(|r| r.x >= 0.0 && r.y >= 0.0 && !taken.iter().any(|t| t.intersects(r)) && !r.expanded(pad).intersects(&on_main))
        .map(|r| (cost(&r), r))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, r)| r)
        .ok_or("no corner of the map has room for the detail inset")?;
    let transform = ScreenTransform { world_origin: region.min, px_per_world };
    Ok(Detail { rect, transform, zoom: (px_per_world / 256.0).log2(), region })
}

/// A primitive of the inset's scene, moved into the inset and cut to it; `None` when nothing
/// of it is inside.
pub fn fit(p: Primitive, rect: &Rect) -> Vec<Primitive> {
    let clip = PxRect { x0: 0.0, y0: 0.0, x1: f64::from(rect.w), y1: f64::from(rect.h) };
    let inside = |q: Px, margin: f32| q[0] >= -margin && q[1] >= -margin && q[0] <= rect.w + margin && q[1] <= rect.h + margin;
    let to_f64 = |pts: &[Px]| pts.iter().map(|q| [f64::from(q[0]), f64::from(q[1])]).collect::<Vec<_>>();
    let back = |pts: &[[f64; 2]]| pts.iter().map(|q| [q[0] as f32 + rect.x, q[1] as f32 + rect.y]).collect::<Vec<Px>>();
    match p {
        Primitive::Line { points, stroke } => {
            let mut out = Vec::new();
            let mut piece = Vec::new();
            clip_polyline(&to_f64(&points), &clip, &mut piece, |part, _| out.push(Primitive::Line { points: back(part), stroke }));
            out
        }
        Primitive::Polygon { rings, fill, stroke } => {
            let (mut out, mut scratch) = (Vec::new(), Vec::new());
            let rings: Vec<Vec<Px>> = rings
                .iter()
                .filter_map(|r| {
                    clip_ring(&to_f64(r), &clip, &mut out, &mut scratch);
                    (out.len() >= 3).then(|| back(&out))
                })
                .collect();
            if rings.is_empty() { Vec::new() } else { vec![Primitive::Polygon { rings, fill, stroke }] }
        }
        Primitive::Circle { center, radius, fill, stroke } => {
            // Markers whole or not at all; big circles (location uncertainty) only when their
            // centre is inside.
            let margin = if radius < 12.0 { -radius } else { 0.0 };
            inside(center, margin).then(|| Primitive::Circle { center: [center[0] + rect.x, center[1] + rect.y], radius, fill, stroke }).into_iter().collect()
        }
        Primitive::Triangle { points, fill } => {
            points.iter().all(|q| inside(*q, 0.0)).then(|| Primitive::Triangle { points: points.map(|q| [q[0] + rect.x, q[1] + rect.y]), fill }).into_iter().collect()
        }
        Primitive::Text { anchor, align, text, size, color, halo } => {
            let w = super::text::fonts().width(&text, size, super::text::Weight::Regular);
            let (x0, x1) = match align {
                crate::scene::Anchor::Left => (anchor[0], anchor[0] + w),
                crate::scene::Anchor::Center => (anchor[0] - w / 2.0, anchor[0] + w / 2.0),
                crate::scene::Anchor::Right => (anchor[0] - w, anchor[0]),
            };
            let fits = x0 >= 2.0 && x1 <= rect.w - 2.0 && anchor[1] - size * 0.6 >= 2.0 && anchor[1] + size * 0.6 <= rect.h - 2.0;
            fits.then(|| Primitive::Text { anchor: [anchor[0] + rect.x, anchor[1] + rect.y], align, text, size, color, halo }).into_iter().collect()
        }
    }
}

/// The box around sites whose markers crowd together on the main map (three or more, each
/// within `radius_px` of another: a knot grows through its neighbours), padded, as
/// `[west, south, east, north]`: what a detail inset should show. The biggest knot wins.
pub fn crowded(markers: &[Px], t: &ScreenTransform, radius_px: f32) -> Option<[f64; 4]> {
    let near = |a: Px, b: Px| (a[0] - b[0]).hypot(a[1] - b[1]) <= radius_px;
    // Knots: the connected groups of the "near" relation (a few dozen markers at most).
    let mut knot = vec![usize::MAX; markers.len()];
    for start in 0..markers.len() {
        if knot[start] != usize::MAX {
            continue;
        }
        knot[start] = start;
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            for j in 0..markers.len() {
                if knot[j] == usize::MAX && near(markers[i], markers[j]) {
                    knot[j] = start;
                    stack.push(j);
                }
            }
        }
    }
    let biggest = (0..markers.len()).max_by_key(|k| knot.iter().filter(|&&x| x == *k).count())?;
    let best: Vec<Px> = markers.iter().zip(&knot).filter(|(_, k)| **k == biggest).map(|(m, _)| *m).collect();
    if best.len() < 3 {
        return None;
    }
    let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in &best {
        min = [min[0].min(p[0]), min[1].min(p[1])];
        max = [max[0].max(p[0]), max[1].max(p[1])];
    }
    // Room for the markers' labels and some context: a third of the knot's size on every
    // side, at least half the crowding distance.
    let margin = ((max[0] - min[0]).max(max[1] - min[1]) / 3.0).max(radius_px / 2.0);
    let (west, north) = t.lonlat_from_screen([min[0] - margin, min[1] - margin]);
    let (east, south) = t.lonlat_from_screen([max[0] + margin, max[1] + margin]);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Some([round(west), round(south), round(east), round(north)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Stroke;

    #[test]
    fn lines_are_cut_to_the_inset_and_moved_into_it() {
        let rect = Rect { x: 100.0, y: 50.0, w: 200.0, h: 100.0 };
        let line = Primitive::Line { points: vec![[-50.0, 50.0], [250.0, 50.0]], stroke: Stroke::solid(crate::scene::style::BLUE, 2.0) };
        let out = fit(line, &rect);
        let [Primitive::Line { points, .. }] = out.as_slice() else { panic!("{out:?}") };
        assert_eq!(points.as_slice(), &[[100.0, 100.0], [300.0, 100.0]]);
        let marker = |x: f32| Primitive::Circle { center: [x, 50.0], radius: 5.5, fill: crate::scene::style::ORANGE, stroke: None };
        assert_eq!(fit(marker(10.0), &rect).len(), 1);
        assert!(fit(marker(2.0), &rect).is_empty(), "a marker cut by the edge is left out");
    }

    #[test]
    fn crowds_are_found() {
        let t = ScreenTransform { world_origin: [0.8, 0.3], px_per_world: 4096.0 };
        let markers = [[100.0, 100.0], [110.0, 104.0], [104.0, 112.0], [600.0, 300.0], [900.0, 40.0]];
        let [w, s, e, n] = crowded(&markers, &t, 40.0).expect("a crowd");
        let (x0, y0) = t.lonlat_from_screen([100.0, 112.0]);
        assert!(w < x0 && e > x0 && s < y0 && n > y0);
        assert!(crowded(&markers[3..], &t, 40.0).is_none());
    }
}
