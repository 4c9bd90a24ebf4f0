//! A spatial index over one layer: what is in a view or a tile, and what is under the pointer.
//!
//! Lines are cut into pieces of up to [`PIECE_SEGMENTS`] segments, so that a 1,000-vertex ship
//! track that crosses the whole map costs only its pieces near a tile or near the pointer;
//! polygons and points are one entry each. Entries sit in an R-tree (rstar, bulk-loaded) in
//! Web Mercator world units ([0, 1]², y down), the space of the screen and of the tiles.
//! Bounding boxes are taken in degrees and projected corner by corner (Mercator is monotonic
//! on both axes), so building the index projects no vertex.

use geo::{Coord, Geometry, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::model::Layer;
use crate::projection::{LatToWorldY, WorldRect, lonlat_from_world, unwrapped_lons, world_copies, world_from_lonlat};

/// Segments per indexed piece of a line. Shorter pieces have tighter boxes, so a hit test
/// measures fewer segments (on tracks_1m at zoom 12: about 30 pieces of 33 vertices under
/// each point at 32 segments); longer ones make a smaller tree.
pub const PIECE_SEGMENTS: usize = 8;

/// A piece of one feature's geometry: part `part` (in [`parts`] order) and, for a line, its
/// vertices `start..=end`. A line is placed as drawn ([`crate::projection::unwrapped_lons`]:
/// each vertex the short way round from the one before, so a track that crosses the
/// antimeridian runs on past 180°); `turns` is how many whole turns its vertex `start` is
/// moved by, for whoever draws or measures the piece on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Piece {
    pub feature: u32,
    pub part: u32,
    pub start: u32,
    pub end: u32,
    pub turns: i32,
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, Piece>;

/// The R-tree of one layer's pieces.
#[derive(Clone)]
pub struct LayerIndex {
    tree: RTree<Entry>,
    vertices: usize,
}

impl std::fmt::Debug for LayerIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerIndex").field("pieces", &self.tree.size()).field("vertices", &self.vertices).finish()
    }
}

/// One drawable part of a geometry: multi-geometries and collections are flattened.
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    Point(Coord),
    Line(&'a [Coord]),
    Polygon(&'a Polygon),
}

/// The parts of a geometry, in a fixed order ([`Piece::part`] counts in it).
pub fn parts(g: &Geometry) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    push_parts(g, &mut out);
    out
}

/// Part `n` of a geometry, without listing the others when the geometry has one part.
pub fn part(g: &Geometry, n: usize) -> Option<Part<'_>> {
    match (g, n) {
        (Geometry::Point(p), 0) => Some(Part::Point(p.0)),
        (Geometry::LineString(l), 0) => Some(Part::Line(&l.0)),
        (Geometry::Polygon(p), 0) => Some(Part::Polygon(p)),
        (Geometry::MultiLineString(ml), n) => ml.0.get(n).map(|l| Part::Line(&l.0)),
        (Geometry::GeometryCollection(_), n) => parts(g).get(n).copied(),
        (Geometry::MultiPoint(mp), n) => mp.0.get(n).map(|p| Part::Point(p.0)),
        (Geometry::MultiPolygon(mp), n) => mp.0.get(n).map(Part::Polygon),
        _ => None,
    }
}

fn push_parts<'a>(g: &'a Geometry, out: &mut Vec<Part<'a>>) {
    match g {
        Geometry::Point(p) => out.push(Part::Point(p.0)),
        Geometry::MultiPoint(mp) => out.extend(mp.0.iter().map(|p| Part::Point(p.0))),
        Geometry::LineString(l) => out.push(Part::Line(&l.0)),
        Geometry::MultiLineString(ml) => out.extend(ml.0.iter().map(|l| Part::Line(&l.0))),
        Geometry::Polygon(p) => out.push(Part::Polygon(p)),
        Geometry::MultiPolygon(mp) => out.extend(mp.0.iter().map(Part::Polygon)),
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| push_parts(g, out)),
        // The readers never make these; they are drawn as nothing rather than guessed at.
        Geometry::Line(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {}
    }
}

/// The world `x` range a layer is drawn in, as [`LayerIndex::x_range`] gives it for a layer
/// with an index (beyond `[0, 1]` where lines run on past the antimeridian).
pub fn drawn_x_range(layer: &Layer) -> Option<[f64; 2]> {
    use geo::BoundingRect;
    let (mut west, mut east) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut spans = Vec::new();
    for g in layer.features.iter().filter_map(|f| f.geometry.as_ref()) {
        let Some(r) = g.bounding_rect() else { continue };
        // Less than half a turn wide: drawn where it is written.
        if r.width() < 180.0 {
            (west, east) = (west.min(r.min().x), east.max(r.max().x));
        } else {
            spans.clear();
            crate::projection::drawn_lon_spans(g, &mut spans);
            for s in &spans {
                (west, east) = (west.min(s[0]), east.max(s[1]));
            }
        }
    }
    (west <= east).then(|| [(west + 180.0) / 360.0, (east + 180.0) / 360.0])
}

/// The index entries of feature `i`'s geometry; returns its vertex count.
fn push_entries(i: usize, g: &Geometry, entries: &mut Vec<Entry>) -> usize {
    let mut vertices = 0;
    for (p, part) in parts(g).into_iter().enumerate() {
        let piece = |start: usize, end: usize, turns: i32| Piece { feature: i as u32, part: p as u32, start: start as u32, end: end as u32, turns };
        match part {
            Part::Point(c) => {
                vertices += 1;
                entries.push(entry(std::slice::from_ref(&c), [c.x].into_iter(), piece(0, 0, 0)));
            }
            Part::Line(coords) => {
                vertices += coords.len();
                if coords.len() == 1 {
                    entries.push(entry(coords, [coords[0].x].into_iter(), piece(0, 0, 0)));
                    continue;
                }
                // The drawn longitudes of the whole line, then its pieces' boxes over them.
                let lons: Vec<f64> = unwrapped_lons(coords, 0).collect();
                let mut start = 0;
                while start + 1 < coords.len() {
                    let end = (start + PIECE_SEGMENTS).min(coords.len() - 1);
                    let turns = ((lons[start] - coords[start].x) / 360.0).round() as i32;
                    entries.push(entry(&coords[start..=end], lons[start..=end].iter().copied(), piece(start, end, turns)));
                    start = end;
                }
            }
            Part::Polygon(poly) => {
                let ring = &poly.exterior().0;
                vertices += ring.len() + poly.interiors().iter().map(|r| r.0.len()).sum::<usize>();
                if !ring.is_empty() {
                    entries.push(entry(ring, unwrapped_lons(ring, 0), piece(0, 0, 0)));
                }
            }
        }
    }
    vertices
}

/// What [`LayerIndex::hit`] found: the feature, how far from the point in world units, and
/// what kind of part (points beat lines, lines beat the inside of polygons).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub feature: usize,
    pub distance: f64,
    pub rank: u8,
}

impl Hit {
    /// Whether this hit wins over `other`: a stronger kind of part, then nearer, then the
    /// feature drawn later (on top).
    fn beats(&self, other: &Hit) -> bool {
        self.rank > other.rank || (self.rank == other.rank && (self.distance < other.distance || (self.distance == other.distance && self.feature > other.feature)))
    }
}

impl LayerIndex {
    pub fn build(layer: &Layer) -> LayerIndex {
        let mut entries = Vec::new();
        let mut vertices = 0;
        for (i, f) in layer.features.iter().enumerate() {
            if let Some(g) = &f.geometry {
                vertices += push_entries(i, g, &mut entries);
            }
        }
        LayerIndex { tree: RTree::bulk_load(entries), vertices }
    }

    /// Feature `i` changed from `old` to `new` geometry (same place in the layer): its
    /// entries are replaced, without rebuilding the tree. A drag edits one feature per frame;
    /// rebuilding a million-vertex layer's tree each frame would not keep up.
    pub fn replace(&mut self, i: usize, old: Option<&Geometry>, new: Option<&Geometry>) {
        let mut gone = Vec::new();
        if let Some(g) = old {
            self.vertices -= push_entries(i, g, &mut gone).min(self.vertices);
        }
        for e in &gone {
            self.tree.remove(e);
        }
        let mut added = Vec::new();
        if let Some(g) = new {
            self.vertices += push_entries(i, g, &mut added);
        }
        for e in added {
            self.tree.insert(e);
        }
    }

    /// Vertices in the layer.
    pub fn vertices(&self) -> usize {
        self.vertices
    }

    /// The pieces whose bounding box meets `rect`, in no particular order.
    pub fn pieces_in(&self, rect: &WorldRect) -> impl Iterator<Item = Piece> + '_ {
        self.tree.locate_in_envelope_intersecting(&AABB::from_corners(rect.min, rect.max)).map(|e| e.data)
    }

    /// The features with something in `rect`, in layer order.
    pub fn features_in(&self, rect: &WorldRect) -> Vec<usize> {
        let mut ids: Vec<usize> = self.pieces_in(rect).map(|p| p.feature as usize).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The pieces in `rect` with the consecutive pieces of a line joined into runs, sorted by
    /// feature and part: what a tile draws.
    pub fn runs_in(&self, rect: &WorldRect) -> Vec<Piece> {
        let mut pieces: Vec<Piece> = self.pieces_in(rect).collect();
        pieces.sort_unstable();
        let mut runs: Vec<Piece> = Vec::with_capacity(pieces.len());
        for p in pieces {
            match runs.last_mut() {
                Some(r) if r.feature == p.feature && r.part == p.part && p.start <= r.end => r.end = r.end.max(p.end),
                _ => runs.push(p),
            }
        }
        runs
    }

    /// The feature nearest to `world` within `tolerance` world units, measured exactly on the
    /// geometry: points first, then lines, then polygons the point is inside. Ties go to the
    /// feature drawn last (on top).
    /// `world` may lie in any copy of the world (a view across the antimeridian): each copy
    /// where the layer is drawn is looked in.
    pub fn hit(&self, layer: &Layer, world: [f64; 2], tolerance: f64) -> Option<Hit> {
        let [data_x0, data_x1] = self.x_range()?;
        world_copies([world[0] - tolerance, world[0] + tolerance], [data_x0, data_x1])
            .filter_map(|k| {
                let world = [world[0] - f64::from(k), world[1]];
                // Pieces nearest first (by their boxes), so that a dense layer seen from far
                // out (ten million AIS positions at zoom 3) is not measured segment by
                // segment: once something is found, pieces whose box is farther cannot beat it
                // (a point can still beat a line).
                let nearest = self.tree.nearest_neighbor_iter_with_distance_2(&world).map(|(e, d2)| (e.data, d2.sqrt()));
                self.hit_among(layer, world, tolerance, nearest, true)
            })
            .reduce(|best, c| if c.beats(&best) { c } else { best })
    }

    /// The world `x` range the layer is drawn in (beyond `[0, 1]` where lines run on past
    /// the antimeridian); `None` for an empty layer.
    pub fn x_range(&self) -> Option<[f64; 2]> {
        (self.tree.size() > 0).then(|| {
            let e = self.tree.root().envelope();
            [e.lower()[0], e.upper()[0]]
        })
    }

    /// [`LayerIndex::hit`] over `pieces` (with their boxes' distances, nearest first when
    /// `prune`), skipping those that cannot win when `prune`.
    fn hit_among(&self, layer: &Layer, world: [f64; 2], tolerance: f64, pieces: impl Iterator<Item = (Piece, f64)>, prune: bool) -> Option<Hit> {
        let rect = WorldRect { min: [world[0] - tolerance, world[1] - tolerance], max: [world[0] + tolerance, world[1] + tolerance] };
        let lat_y = LatToWorldY::new();
        let to_world = |lon: f64, lat: f64| [(lon + 180.0) / 360.0, lat_y.y(lat)];
        let ((lon_min, lat_max), (lon_max, lat_min)) = (lonlat_from_world(rect.min[0], rect.min[1]), lonlat_from_world(rect.max[0], rect.max[1]));
        let mut best: Option<Hit> = None;
        for (piece, box_distance) in pieces {
            if prune && box_distance > tolerance {
                break;
            }
            let Some(g) = layer.features.get(piece.feature as usize).and_then(|f| f.geometry.as_ref()) else { continue };
            let Some(part) = part(g, piece.part as usize) else { continue };
            // (Inside a polygon is the weakest hit: anything within reach beats it.)
            if let Some(b) = best.as_ref().filter(|b| prune && b.rank >= 2 && box_distance > b.distance) {
                if b.rank == 3 {
                    break;
                }
                if !matches!(part, Part::Point(_)) {
                    continue;
                }
            }
            let found = match part {
                Part::Point(c) => Some((3, dist(world, to_world(c.x, c.y)))),
                Part::Line(coords) => {
                    let Some(run) = coords.get(piece.start as usize..=piece.end as usize) else { continue };
                    let mut d2 = f64::MAX;
                    // The last vertex projected, by position in the run: each vertex ends one
                    // segment and starts the next.
                    let mut last: Option<(usize, [f64; 2])> = None;
                    let mut lons = unwrapped_lons(run, piece.turns);
                    let mut lon_a = lons.next().unwrap_or_default();
                    for (i, (w, lon_b)) in run.windows(2).zip(lons).enumerate() {
                        // Segments wholly to one side of the search box are skipped before they are
                        // projected (Mercator keeps the order of longitudes and latitudes).
                        let (a, b) = (w[0], w[1]);
                        let lon_a = std::mem::replace(&mut lon_a, lon_b);
                        if (lon_a < lon_min && lon_b < lon_min) || (lon_a > lon_max && lon_b > lon_max) || (a.y < lat_min && b.y < lat_min) || (a.y > lat_max && b.y > lat_max) {
                            continue;
                        }
                        let pa = match last {
                            Some((j, p)) if j == i => p,
                            _ => to_world(lon_a, a.y),
                        };
                        let pb = to_world(lon_b, b.y);
                        d2 = d2.min(segment_dist2(world, pa, pb));
                        last = Some((i + 1, pb));
                    }
                    if run.len() == 1 {
                        d2 = dist2(world, to_world(run[0].x, run[0].y));
                    }
                    Some((2, d2.sqrt()))
                }
                Part::Polygon(poly) => {
                    let rings: Vec<Vec<[f64; 2]>> =
                        std::iter::once(poly.exterior()).chain(poly.interiors()).map(|r| r.0.iter().zip(unwrapped_lons(&r.0, 0)).map(|(c, lon)| to_world(lon, c.y)).collect()).collect();
                    let inside = rings.iter().filter(|r| contains(r, world)).count() % 2 == 1;
                    if inside {
                        Some((1, 0.0))
                    } else {
                        let d = rings.iter().flat_map(|r| r.windows(2)).map(|w| segment_dist(world, w[0], w[1])).fold(f64::MAX, f64::min);
                        Some((2, d))
                    }
                }
            };
            let Some((rank, distance)) = found else { continue };
            if distance > tolerance {
                continue;
            }
            let candidate = Hit { feature: piece.feature as usize, distance, rank };
            if best.is_none_or(|b| candidate.beats(&b)) {
                best = Some(candidate);
            }
        }
        best
    }
}

/// The entry of `coords` placed at longitudes `lons` (as drawn).
fn entry(coords: &[Coord], lons: impl Iterator<Item = f64>, piece: Piece) -> Entry {
    let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
    for (c, lon) in coords.iter().zip(lons) {
        lo = [lo[0].min(lon), lo[1].min(c.y)];
        hi = [hi[0].max(lon), hi[1].max(c.y)];
    }
    // Mercator y grows southwards: the north edge is the world minimum.
    let (x0, y0) = world_from_lonlat(lo[0], hi[1]);
    let (x1, y1) = world_from_lonlat(hi[0], lo[1]);
    GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), piece)
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    dist2(a, b).sqrt()
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn segment_dist(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    segment_dist2(p, a, b).sqrt()
}

/// Squared distance from `p` to the segment `a`–`b`.
fn segment_dist2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    if len2 <= 0.0 {
        return dist2(p, a);
    }
    let t = (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0);
    dist2(p, [a[0] + t * d[0], a[1] + t * d[1]])
}

/// Even-odd point in ring test, for world units (f64) and screen pixels (f32) alike.
pub(crate) fn contains<T>(ring: &[[T; 2]], p: [T; 2]) -> bool
where
    T: Copy + PartialOrd + std::ops::Add<Output = T> + std::ops::Sub<Output = T> + std::ops::Mul<Output = T> + std::ops::Div<Output = T>,
{
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Feature;
    use geo::{LineString, Point, polygon};

    fn layer(geoms: Vec<Geometry>) -> Layer {
        Layer { features: geoms.into_iter().map(|g| Feature { geometry: Some(g), ..Feature::default() }).collect(), ..Layer::default() }
    }

    fn world(lon: f64, lat: f64) -> [f64; 2] {
        let (x, y) = world_from_lonlat(lon, lat);
        [x, y]
    }

    #[test]
    fn long_lines_are_cut_into_pieces_that_join_into_runs() {
        let line: LineString = (0..=100).map(|i| (130.0 + i as f64 * 0.1, 40.0)).collect();
        let l = layer(vec![Geometry::LineString(line), Geometry::Point(Point::new(0.0, 0.0))]);
        let index = LayerIndex::build(&l);
        assert_eq!(index.vertices(), 102);
        assert_eq!(index.tree.size(), 100 / PIECE_SEGMENTS + 1 + 1, "100 segments in pieces, and the point");
        // A view over 131.5..134.5 E (vertices 15..45) meets the pieces from the one holding
        // vertex 15 to the one holding vertex 45, joined into one run.
        let view = WorldRect::from_corners(world(131.5, 41.0), world(134.5, 39.0));
        let (first, last) = (15 / PIECE_SEGMENTS * PIECE_SEGMENTS, 45usize.div_ceil(PIECE_SEGMENTS) * PIECE_SEGMENTS);
        assert_eq!(index.runs_in(&view), [Piece { feature: 0, part: 0, start: first as u32, end: last as u32, turns: 0 }]);
        assert_eq!(index.features_in(&view), [0]);
        let elsewhere = WorldRect::from_corners(world(-1.0, 1.0), world(1.0, -1.0));
        assert_eq!(index.features_in(&elsewhere), [1]);
    }

    #[test]
    fn hits_are_exact_on_the_geometry() {
        let square = polygon![(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 20.0), (x: 10.0, y: 20.0), (x: 10.0, y: 10.0)];
        let across: LineString = vec![(10.0, 15.0), (20.0, 15.0)].into();
        let l = layer(vec![Geometry::Polygon(square), Geometry::LineString(across), Geometry::Point(Point::new(19.0, 11.0))]);
        let index = LayerIndex::build(&l);
        let tol = 1e-4;
        // Inside the square, away from the line and the point: the polygon.
        assert_eq!(index.hit(&l, world(17.0, 13.0), tol).map(|h| (h.feature, h.rank)), Some((0, 1)));
        // On the line: the line beats the polygon around it.
        let on_line = index.hit(&l, world(15.0, 15.0), tol).unwrap();
        assert_eq!((on_line.feature, on_line.rank), (1, 2));
        assert!(on_line.distance < 1e-5);
        // The point beats both.
        assert_eq!(index.hit(&l, world(19.0, 11.0), tol).map(|h| h.feature), Some(2));
        // Outside everything: nothing, even within the line's bounding box row.
        assert_eq!(index.hit(&l, world(25.0, 15.0), tol), None);
        assert_eq!(index.hit(&l, world(15.0, 15.0 + 2.0 * tol * 360.0), tol).map(|h| h.rank), Some(1));
    }

    /// Nearest-first with pruning finds what measuring every piece in reach finds, on a dense
    /// random layer of points, lines and polygons, at many places and reaches.
    #[test]
    fn pruned_hits_are_the_hits_of_a_full_scan() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut geoms = Vec::new();
        for i in 0..600 {
            let (x, y) = (130.0 + rnd() * 4.0, 40.0 + rnd() * 3.0);
            geoms.push(match i % 3 {
                0 => Geometry::Point(Point::new(x, y)),
                1 => Geometry::LineString((0..40).map(|k| (x + k as f64 * 0.02 * rnd(), y + (rnd() - 0.5) * 0.1)).collect()),
                _ => Geometry::Polygon(polygon![(x: x, y: y), (x: x + 0.3 * rnd(), y: y), (x: x + 0.2, y: y + 0.3 * rnd()), (x: x, y: y)]),
            });
        }
        let l = layer(geoms);
        let index = LayerIndex::build(&l);
        let mut hits = 0;
        for _ in 0..2000 {
            let w = world(130.0 + rnd() * 4.0, 40.0 + rnd() * 3.0);
            let tolerance = 10f64.powf(-6.0 + rnd() * 3.5);
            let rect = WorldRect { min: [w[0] - tolerance, w[1] - tolerance], max: [w[0] + tolerance, w[1] + tolerance] };
            let full = index.hit_among(&l, w, tolerance, index.pieces_in(&rect).map(|p| (p, 0.0)), false);
            let fast = index.hit(&l, w, tolerance);
            assert_eq!(fast.map(|h| (h.feature, h.rank)), full.map(|h| (h.feature, h.rank)), "at {w:?} within {tolerance}");
            hits += usize::from(fast.is_some());
        }
        assert!(hits > 400, "the places were near things: {hits}");
    }
}
