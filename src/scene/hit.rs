//! Which feature is under the pointer, tested against what was drawn.

use super::build::{MAX_MARKER_RADIUS_PX, text_width};
use super::{Anchor, Primitive, Px, Scene};
use crate::index::spatial::contains;
use crate::model::FeatureRef;

/// The feature drawn nearest to `pos`, within `tolerance` pixels. Markers and labels win over
/// lines, lines over the inside of polygons.
pub fn hit_test(scene: &Scene, pos: Px, tolerance: f32) -> Option<FeatureRef> {
    let mut best: Option<(u8, f32, FeatureRef)> = None;
    let mut consider = |rank: u8, dist: f32, at: FeatureRef| {
        if dist > tolerance {
            return;
        }
        let better = match best {
            None => true,
            Some((r, d, _)) => rank > r || (rank == r && dist < d),
        };
        if better {
            best = Some((rank, dist, at));
        }
    };
    for (at, prim) in &scene.items {
        match prim {
            Primitive::Circle { center, radius, .. } if *radius <= MAX_MARKER_RADIUS_PX => {
                consider(3, (dist(pos, *center) - radius).max(0.0), *at);
            }
            Primitive::Text { anchor, align, text, size, .. } => {
                let w = text_width(text, *size);
                let x0 = match align {
                    Anchor::Left => anchor[0],
                    Anchor::Center => anchor[0] - w / 2.0,
                    Anchor::Right => anchor[0] - w,
                };
                let inside = pos[0] >= x0 && pos[0] <= x0 + w && (pos[1] - anchor[1]).abs() <= size * 0.6;
                if inside {
                    consider(3, 0.0, *at);
                }
            }
            Primitive::Line { points, stroke } => {
                let d = points.windows(2).map(|w| segment_dist(pos, w[0], w[1])).fold(f32::MAX, f32::min);
                consider(2, (d - stroke.width / 2.0).max(0.0), *at);
            }
            Primitive::Polygon { rings, .. } => {
                let inside = rings.iter().filter(|r| contains(r, pos)).count() % 2 == 1;
                if inside {
                    consider(1, 0.0, *at);
                }
            }
            _ => {}
        }
    }
    best.map(|(_, _, at)| at)
}

fn dist(a: Px, b: Px) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn segment_dist(p: Px, a: Px, b: Px) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 <= f32::EPSILON {
        return dist(p, a);
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    dist(p, [a[0] + t * dx, a[1] + t * dy])
}
