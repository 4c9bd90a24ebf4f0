//! Vertices of a geometry by address: list them, move, insert and remove one, move all.
//!
//! Polygon rings are stored closed (the last position repeats the first); here a ring's
//! vertices are its distinct corners, and moving the first corner moves the closing one too.
//! Coordinates are lon/lat degrees.

use geo::{Coord, Geometry, LineString, Orient, Polygon, Translate, orient::Direction};

/// Which vertex: the part of a multi-geometry, the ring of a polygon (0 the outline), the
/// position in the line or ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Vertex {
    pub part: usize,
    pub ring: usize,
    pub index: usize,
}

/// Every line and ring of a geometry with whether it is a closed ring, in address order.
fn lines(g: &Geometry<f64>) -> Vec<((usize, usize), &LineString<f64>, bool)> {
    let mut out = Vec::new();
    match g {
        Geometry::LineString(l) => out.push(((0, 0), l, false)),
        Geometry::MultiLineString(ml) => out.extend(ml.0.iter().enumerate().map(|(i, l)| ((i, 0), l, false))),
        Geometry::Polygon(p) => out.extend(rings(p).map(|(r, l)| ((0, r), l, true))),
        Geometry::MultiPolygon(mp) => {
            for (i, p) in mp.0.iter().enumerate() {
                out.extend(rings(p).map(|(r, l)| ((i, r), l, true)));
            }
        }
        _ => {}
    }
    out
}

fn rings(p: &Polygon<f64>) -> impl Iterator<Item = (usize, &LineString<f64>)> {
    std::iter::once(p.exterior()).chain(p.interiors()).enumerate()
}

/// The distinct corners of a line or ring.
fn corners(l: &LineString<f64>, closed: bool) -> &[Coord<f64>] {
    let n = l.0.len();
    if closed && n > 1 && l.0[0] == l.0[n - 1] { &l.0[..n - 1] } else { &l.0 }
}

/// Every vertex a user can drag.
pub fn vertices(g: &Geometry<f64>) -> Vec<(Vertex, Coord<f64>)> {
    match g {
        Geometry::Point(p) => vec![(Vertex { part: 0, ring: 0, index: 0 }, p.0)],
        Geometry::MultiPoint(mp) => mp.0.iter().enumerate().map(|(i, p)| (Vertex { part: i, ring: 0, index: 0 }, p.0)).collect(),
        _ => lines(g)
            .into_iter()
            .flat_map(|((part, ring), l, closed)| corners(l, closed).iter().enumerate().map(move |(index, c)| (Vertex { part, ring, index }, *c)).collect::<Vec<_>>())
            .collect(),
    }
}

/// Every segment, as the vertex a point inserted into it would become and its two ends.
pub fn segments(g: &Geometry<f64>) -> Vec<(Vertex, Coord<f64>, Coord<f64>)> {
    let mut out = Vec::new();
    for ((part, ring), l, closed) in lines(g) {
        let c = corners(l, closed);
        let n = c.len();
        let count = if closed && n >= 3 { n } else { n.saturating_sub(1) };
        for i in 0..count {
            out.push((Vertex { part, ring, index: i + 1 }, c[i], c[(i + 1) % n]));
        }
    }
    out
}

/// The geometry with the corners of the line or ring that vertex `v` is on changed by
/// `change` (which says whether it changed anything).
fn with_corners(g: &Geometry<f64>, v: Vertex, change: impl FnOnce(&mut Vec<Coord<f64>>) -> bool) -> Option<Geometry<f64>> {
    let mut g = g.clone();
    match &mut g {
        Geometry::LineString(l) if v.part == 0 => edit_line(l, false, change).then_some(())?,
        Geometry::MultiLineString(ml) => edit_line(ml.0.get_mut(v.part)?, false, change).then_some(())?,
        Geometry::Polygon(p) if v.part == 0 => *p = edit_ring(p, v.ring, change)?,
        Geometry::MultiPolygon(mp) => {
            let p = mp.0.get_mut(v.part)?;
            *p = edit_ring(p, v.ring, change)?;
        }
        _ => return None,
    }
    Some(rewound(g))
}

fn edit_line(line: &mut LineString<f64>, closed: bool, change: impl FnOnce(&mut Vec<Coord<f64>>) -> bool) -> bool {
    let mut c = corners(line, closed).to_vec();
    if !change(&mut c) {
        return false;
    }
    if closed && let Some(first) = c.first().copied() {
        c.push(first);
    }
    line.0 = c;
    true
}

fn edit_ring(p: &Polygon<f64>, ring: usize, change: impl FnOnce(&mut Vec<Coord<f64>>) -> bool) -> Option<Polygon<f64>> {
    let (mut exterior, mut interiors) = p.clone().into_inner();
    let line = if ring == 0 { &mut exterior } else { interiors.get_mut(ring - 1)? };
    edit_line(line, true, change).then(|| Polygon::new(exterior, interiors))
}

/// Polygons wound as RFC 7946 asks (outline counter-clockwise, holes clockwise), whatever
/// order the user clicked or dragged their corners into.
pub fn wound(p: Polygon<f64>) -> Polygon<f64> {
    p.orient(Direction::Default)
}

fn rewound(g: Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::Polygon(p) => Geometry::Polygon(wound(p)),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(mp.orient(Direction::Default)),
        other => other,
    }
}

/// The geometry with one vertex moved.
pub fn move_vertex(g: &Geometry<f64>, v: Vertex, to: Coord<f64>) -> Option<Geometry<f64>> {
    match g {
        Geometry::Point(_) if v.part == 0 => Some(Geometry::Point(to.into())),
        Geometry::MultiPoint(mp) => {
            let mut mp = mp.clone();
            *mp.0.get_mut(v.part)? = to.into();
            Some(Geometry::MultiPoint(mp))
        }
        _ => with_corners(g, v, |c| match c.get_mut(v.index) {
            Some(p) => {
                *p = to;
                true
            }
            None => false,
        }),
    }
}

/// The geometry with a vertex inserted at `v` (the vertex there and after it move up one).
pub fn insert_vertex(g: &Geometry<f64>, v: Vertex, at: Coord<f64>) -> Option<Geometry<f64>> {
    with_corners(g, v, |c| {
        if v.index > c.len() {
            return false;
        }
        c.insert(v.index, at);
        true
    })
}

/// The geometry without vertex `v`; `None` when that would leave a line of one point or a
/// ring of two (then the feature itself is what to delete).
pub fn remove_vertex(g: &Geometry<f64>, v: Vertex) -> Option<Geometry<f64>> {
    let closed = matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    let least = if closed { 3 } else { 2 };
    with_corners(g, v, |c| {
        if v.index >= c.len() || c.len() <= least {
            return false;
        }
        c.remove(v.index);
        true
    })
}

/// The geometry moved by a distance in degrees.
pub fn translate(g: &Geometry<f64>, dlon: f64, dlat: f64) -> Geometry<f64> {
    g.translate(dlon, dlat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Winding, coord, line_string, polygon};

    fn square() -> Geometry<f64> {
        Geometry::Polygon(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)])
    }

    #[test]
    fn a_ring_has_its_distinct_corners_and_a_segment_per_side() {
        assert_eq!(vertices(&square()).len(), 4);
        assert_eq!(segments(&square()).len(), 4);
        let line = Geometry::LineString(line_string![(x: 0., y: 0.), (x: 1., y: 0.), (x: 2., y: 0.)]);
        assert_eq!(segments(&line).len(), 2);
    }

    #[test]
    fn moving_the_first_corner_keeps_the_ring_closed_and_wound() {
        let v = Vertex { part: 0, ring: 0, index: 0 };
        let Some(Geometry::Polygon(p)) = move_vertex(&square(), v, coord! { x: -1., y: -1. }) else { panic!() };
        let ring = &p.exterior().0;
        assert_eq!(ring.first(), ring.last());
        assert!(ring.contains(&coord! { x: -1., y: -1. }));
        assert!(p.exterior().is_ccw());
    }

    #[test]
    fn insert_and_remove() {
        let g = square();
        let (at, a, b) = segments(&g)[3];
        let mid = coord! { x: (a.x + b.x) / 2., y: (a.y + b.y) / 2. };
        let g5 = insert_vertex(&g, at, mid).unwrap();
        assert_eq!(vertices(&g5).len(), 5);
        let g4 = remove_vertex(&g5, Vertex { part: 0, ring: 0, index: 4 }).unwrap();
        assert_eq!(vertices(&g4).len(), 4);
        // A triangle keeps its three corners; a two-point line keeps its two.
        let g3 = remove_vertex(&g4, Vertex { part: 0, ring: 0, index: 0 }).unwrap();
        assert_eq!(remove_vertex(&g3, Vertex { part: 0, ring: 0, index: 0 }), None);
        let line = Geometry::LineString(line_string![(x: 0., y: 0.), (x: 1., y: 0.)]);
        assert_eq!(remove_vertex(&line, Vertex { part: 0, ring: 0, index: 0 }), None);
    }
}
