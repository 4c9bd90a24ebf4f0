//! Plain geometry in pixel space for the tile renderer: projecting world vertices to pixels
//! with level-of-detail thinning, and clipping rings and polylines to a rectangle.
//!
//! Clipping before drawing keeps coordinates small (a 5° land cell is hundreds of thousands
//! of pixels wide at zoom 16, beyond what `f32` and the rasterizer handle well) and lets
//! dashes continue across tile edges: each clipped piece knows how far along its line it
//! starts. Nothing here knows about layers, styles or any drawing library.

/// An axis-aligned rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PxRect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl PxRect {
    pub fn contains_all(&self, pts: &[[f64; 2]]) -> bool {
        pts.iter()
            .all(|p| p[0] >= self.x0 && p[0] <= self.x1 && p[1] >= self.y0 && p[1] <= self.y1)
    }
}

/// Pixel position of world vertices: `px = (world + [wrap_dx, 0] − origin) · scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct WorldToPx {
    pub origin_world: [f64; 2],
    pub px_per_world: f64,
    /// Whole-world shift in x (−1, 0 or 1) for copies across the antimeridian.
    pub wrap_dx: f64,
}

impl WorldToPx {
    pub fn apply(&self, p_world: [f64; 2]) -> [f64; 2] {
        [
            (p_world[0] + self.wrap_dx - self.origin_world[0]) * self.px_per_world,
            (p_world[1] - self.origin_world[1]) * self.px_per_world,
        ]
    }
}

/// Projects `part_world` into `out_px`, dropping vertices closer than `min_step_px` to the last
/// one kept (level of detail). The last vertex of an open line is always kept, so that lines
/// cut into pieces still meet.
pub(crate) fn project_thinned(
    part_world: &[[f64; 2]],
    to_px: &WorldToPx,
    min_step_px: f64,
    keep_last: bool,
    out_px: &mut Vec<[f64; 2]>,
) {
    out_px.clear();
    let min_sq = min_step_px * min_step_px;
    let mut skipped_last = false;
    for &p in part_world {
        let q = to_px.apply(p);
        if let Some(last) = out_px.last() {
            let (dx, dy) = (q[0] - last[0], q[1] - last[1]);
            if dx * dx + dy * dy < min_sq {
                skipped_last = true;
                continue;
            }
        }
        skipped_last = false;
        out_px.push(q);
    }
    if keep_last
        && skipped_last
        && let Some(&p) = part_world.last()
    {
        let q = to_px.apply(p);
        if out_px.len() >= 2 {
            // Replace the too-close last kept vertex by the true end.
            out_px.pop();
        }
        out_px.push(q);
    }
}

/// Clips a closed ring (no repeated closing vertex) to `rect` (Sutherland–Hodgman). The result
/// goes to `out`; `scratch` is working space. Clipping each ring on its own keeps the fill of
/// a polygon, its holes and neighbours the same inside the rectangle.
pub(crate) fn clip_ring(
    ring: &[[f64; 2]],
    rect: &PxRect,
    out: &mut Vec<[f64; 2]>,
    scratch: &mut Vec<[f64; 2]>,
) {
    out.clear();
    out.extend_from_slice(ring);
    // Each pass keeps the side where `inside` holds, cutting edges at `cut`.
    type Inside = fn(&PxRect, [f64; 2]) -> bool;
    type Cut = fn(&PxRect, [f64; 2], [f64; 2]) -> [f64; 2];
    let passes: [(Inside, Cut); 4] = [
        (|r, p| p[0] >= r.x0, |r, a, b| at_x(a, b, r.x0)),
        (|r, p| p[0] <= r.x1, |r, a, b| at_x(a, b, r.x1)),
        (|r, p| p[1] >= r.y0, |r, a, b| at_y(a, b, r.y0)),
        (|r, p| p[1] <= r.y1, |r, a, b| at_y(a, b, r.y1)),
    ];
    for (inside, cut) in passes {
        if out.is_empty() {
            return;
        }
        std::mem::swap(out, scratch);
        out.clear();
        let Some(&last) = scratch.last() else { return };
        let mut prev = last;
        let mut prev_in = inside(rect, prev);
        for &cur in scratch.iter() {
            let cur_in = inside(rect, cur);
            if cur_in {
                if !prev_in {
                    out.push(cut(rect, prev, cur));
                }
                out.push(cur);
            } else if prev_in {
                out.push(cut(rect, prev, cur));
            }
            prev = cur;
            prev_in = cur_in;
        }
    }
}

fn at_x(a: [f64; 2], b: [f64; 2], x: f64) -> [f64; 2] {
    let t = (x - a[0]) / (b[0] - a[0]);
    [x, a[1] + (b[1] - a[1]) * t]
}

fn at_y(a: [f64; 2], b: [f64; 2], y: f64) -> [f64; 2] {
    let t = (y - a[1]) / (b[1] - a[1]);
    [a[0] + (b[0] - a[0]) * t, y]
}

/// The parameter range `[t0, t1]` of segment `a → b` inside `rect` (Liang–Barsky), if any.
pub(crate) fn clip_segment(a: [f64; 2], b: [f64; 2], rect: &PxRect) -> Option<(f64, f64)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - rect.x0),
        (dx, rect.x1 - a[0]),
        (-dy, a[1] - rect.y0),
        (dy, rect.y1 - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    (t0 < t1 || (dx == 0.0 && dy == 0.0)).then_some((t0, t1))
}

/// Clips a polyline to `rect`, calling `emit(piece, start_px)` for every piece inside, where
/// `start_px` is the length of the line before the piece (for dash phase). Pieces have at
/// least two vertices.
pub(crate) fn clip_polyline(
    line_px: &[[f64; 2]],
    rect: &PxRect,
    piece: &mut Vec<[f64; 2]>,
    mut emit: impl FnMut(&[[f64; 2]], f64),
) {
    if line_px.len() < 2 {
        return;
    }
    if rect.contains_all(line_px) {
        emit(line_px, 0.0);
        return;
    }
    piece.clear();
    let mut piece_start = 0.0;
    let mut along = 0.0;
    let lerp =
        |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    for seg in line_px.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        // Pixel coordinates cannot overflow a square: no need for `hypot`, a call into the maths
        // library several times slower.
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        match clip_segment(a, b, rect) {
            Some((t0, t1)) => {
                if t0 > 0.0 || piece.is_empty() {
                    if piece.len() >= 2 {
                        emit(piece, piece_start);
                    }
                    piece.clear();
                    piece.push(lerp(a, b, t0));
                    piece_start = along + t0 * len;
                }
                piece.push(lerp(a, b, t1));
                if t1 < 1.0 {
                    if piece.len() >= 2 {
                        emit(piece, piece_start);
                    }
                    piece.clear();
                }
            }
            None => {
                if piece.len() >= 2 {
                    emit(piece, piece_start);
                }
                piece.clear();
            }
        }
        along += len;
    }
    if piece.len() >= 2 {
        emit(piece, piece_start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: PxRect = PxRect {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
    };

    fn area(ring: &[[f64; 2]]) -> f64 {
        let n = ring.len();
        (0..n)
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % n]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum::<f64>()
            / 2.0
    }

    #[test]
    fn ring_clipped_to_rect() {
        let big = [[-5.0, -5.0], [15.0, -5.0], [15.0, 15.0], [-5.0, 15.0]];
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        clip_ring(&big, &R, &mut out, &mut scratch);
        assert!((area(&out) - 100.0).abs() < 1e-9);
        let outside = [[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]];
        clip_ring(&outside, &R, &mut out, &mut scratch);
        assert!(out.is_empty());
        // Orientation is kept (the fill rule depends on it).
        let cw: Vec<_> = big.iter().rev().copied().collect();
        clip_ring(&cw, &R, &mut out, &mut scratch);
        assert!((area(&out) + 100.0).abs() < 1e-9);
    }

    #[test]
    fn polyline_pieces_know_their_start() {
        let line = [[-10.0, 5.0], [20.0, 5.0], [20.0, 8.0], [-10.0, 8.0]];
        let mut got = Vec::new();
        clip_polyline(&line, &R, &mut Vec::new(), |p, start| {
            got.push((p.to_vec(), start))
        });
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, vec![[0.0, 5.0], [10.0, 5.0]]);
        assert_eq!(got[0].1, 10.0);
        assert_eq!(got[1].0, vec![[10.0, 8.0], [0.0, 8.0]]);
        assert_eq!(got[1].1, 30.0 + 3.0 + 10.0);
    }

    #[test]
    fn polyline_inside_is_one_piece() {
        let line = [[1.0, 1.0], [2.0, 2.0], [3.0, 1.0]];
        let mut n = 0;
        clip_polyline(&line, &R, &mut Vec::new(), |p, start| {
            assert_eq!((p.len(), start), (3, 0.0));
            n += 1;
        });
        assert_eq!(n, 1);
    }

    #[test]
    fn thinning_keeps_ends() {
        let to_px = WorldToPx {
            origin_world: [0.0, 0.0],
            px_per_world: 100.0,
            wrap_dx: 0.0,
        };
        let part = [
            [0.0, 0.0],
            [0.001, 0.0],
            [0.002, 0.0],
            [0.5, 0.0],
            [0.501, 0.0],
        ];
        let mut out = Vec::new();
        project_thinned(&part, &to_px, 0.5, true, &mut out);
        assert_eq!(out, vec![[0.0, 0.0], [50.1, 0.0]]);
        project_thinned(&part, &to_px, 0.5, false, &mut out);
        assert_eq!(out, vec![[0.0, 0.0], [50.0, 0.0]]);
    }
}
