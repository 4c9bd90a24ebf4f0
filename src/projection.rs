//! Web Mercator (EPSG:3857) in the coordinate spaces the map uses.
//!
//! Three spaces meet here, and every name says which one a value is in:
//!
//! * **lon/lat**: WGS84 degrees, as in the model and in GeoJSON. `lon` east, `lat` north.
//! * **world**: Web Mercator scaled to the unit square `[0, 1]²`, `x` east from the
//!   antimeridian (lon −180° → 0, lon +180° → 1) and `y` **down** from the north edge of the
//!   map (lat +85.0511° → 0, lat −85.0511° → 1). One world unit is `256 · 2^z` pixels of a
//!   256-pixel tile pyramid at zoom `z`.
//! * **tile**: the XYZ ("slippy map") scheme: at zoom `z` the world is cut into `2^z × 2^z`
//!   tiles, tile `(x, y)` counting east and south from the north-west corner.
//!
//! Screen or pixel spaces are not here: they belong to whoever draws (the tile renderer, the
//! scene, the UI). This module knows nothing of them, nor of any GUI type.

/// The latitude where Web Mercator is cut so that the world is square:
/// `atan(sinh(π))` in degrees. Latitudes beyond it are clamped.
pub const MAX_LATITUDE: f64 = 85.051_128_78;

/// A rectangle in world units (see the module docs): `min` is the north-west corner (smallest
/// `x` and `y`), `max` the south-east one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorldRect {
    pub min: [f64; 2],
    pub max: [f64; 2],
}

impl WorldRect {
    /// The rectangle spanned by two corners given in any order.
    pub fn from_corners(a: [f64; 2], b: [f64; 2]) -> Self {
        WorldRect {
            min: [a[0].min(b[0]), a[1].min(b[1])],
            max: [a[0].max(b[0]), a[1].max(b[1])],
        }
    }

    /// The whole world, `[0, 1]²`.
    pub const WORLD: WorldRect = WorldRect {
        min: [0.0, 0.0],
        max: [1.0, 1.0],
    };

    pub fn width(&self) -> f64 {
        self.max[0] - self.min[0]
    }

    pub fn height(&self) -> f64 {
        self.max[1] - self.min[1]
    }

    /// The rectangle grown by `margin` world units on every side.
    pub fn expanded(&self, margin: f64) -> Self {
        WorldRect {
            min: [self.min[0] - margin, self.min[1] - margin],
            max: [self.max[0] + margin, self.max[1] + margin],
        }
    }

    /// The rectangle moved `dx` world units east (a whole number: the same place in another
    /// copy of the world).
    pub fn shifted(&self, dx: f64) -> Self {
        WorldRect { min: [self.min[0] + dx, self.min[1]], max: [self.max[0] + dx, self.max[1]] }
    }

    /// Whether the two rectangles share any point (touching edges count).
    pub fn intersects(&self, other: &WorldRect) -> bool {
        self.min[0] <= other.max[0]
            && other.min[0] <= self.max[0]
            && self.min[1] <= other.max[1]
            && other.min[1] <= self.max[1]
    }
}

/// World coordinates `(x, y)` of a lon/lat position in degrees.
///
/// Latitude is clamped to ±[`MAX_LATITUDE`], so the poles map to the top and bottom edges.
/// Longitude is not wrapped: 190° gives `x` ≈ 1.028, which is what a view that crosses the
/// antimeridian wants. NaN in gives NaN out.
pub fn world_from_lonlat(lon: f64, lat: f64) -> (f64, f64) {
    let x_world = (lon + 180.0) / 360.0;
    let lat_rad = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    // y = (1 − ln(tan φ + sec φ) / π) / 2, written with asinh(tan φ) = ln(tan φ + sec φ).
    let y_world = 0.5 - lat_rad.tan().asinh() / (2.0 * std::f64::consts::PI);
    (x_world, y_world)
}

/// Lon/lat degrees `(lon, lat)` of a world position: the inverse of [`world_from_lonlat`]
/// inside the Mercator square. `x` outside `[0, 1]` gives a longitude outside ±180° (not
/// wrapped); `y` outside `[0, 1]` gives latitudes beyond ±85.05°, up to ±90° in the limit.
pub fn lonlat_from_world(x_world: f64, y_world: f64) -> (f64, f64) {
    let lon = x_world * 360.0 - 180.0;
    let lat = ((0.5 - y_world) * 2.0 * std::f64::consts::PI)
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

/// World `y` of latitudes, as [`world_from_lonlat`] computes it but several times faster:
/// a cubic Hermite interpolation in a table of exact values and slopes every 0.01°, accurate
/// to better than 1e-12 world units (a thousandth of a pixel at zoom 20). For bulk conversion:
/// the basemap decoder converts millions of vertices with it.
#[derive(Clone, Copy, Debug)]
pub struct LatToWorldY {
    table: &'static [[f64; 2]],
}

impl LatToWorldY {
    /// The shared table (built once, about 270 kB, in well under a millisecond).
    pub fn new() -> Self {
        use std::sync::OnceLock;
        static TABLE: OnceLock<Vec<[f64; 2]>> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            // Exact y, and dy per table step, from LAT_TABLE_START upward.
            (0..=LAT_TABLE_LEN)
                .map(|i| {
                    let lat_rad = (LAT_TABLE_START + i as f64 * LAT_TABLE_STEP).to_radians();
                    let y = 0.5 - lat_rad.tan().asinh() / (2.0 * std::f64::consts::PI);
                    let dy_per_step =
                        -LAT_TABLE_STEP.to_radians() / (lat_rad.cos() * 2.0 * std::f64::consts::PI);
                    [y, dy_per_step]
                })
                .collect()
        });
        LatToWorldY { table }
    }

    /// World `y` of latitude `lat` (degrees, clamped to ±[`MAX_LATITUDE`]; NaN gives NaN).
    #[inline]
    pub fn y(&self, lat: f64) -> f64 {
        let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
        let pos = (lat - LAT_TABLE_START) / LAT_TABLE_STEP;
        // `pos` is at least 0.89 after the clamp (or NaN, which `as` turns into 0), so the
        // truncating cast is a floor.
        let i = (pos as usize).min(LAT_TABLE_LEN - 1);
        let (Some(&[y0, d0]), Some(&[y1, d1])) = (self.table.get(i), self.table.get(i + 1)) else {
            return f64::NAN;
        };
        let t = pos - i as f64;
        let (t2, t3) = (t * t, t * t * t);
        (2.0 * t3 - 3.0 * t2 + 1.0) * y0
            + (t3 - 2.0 * t2 + t) * d0
            + (3.0 * t2 - 2.0 * t3) * y1
            + (t3 - t2) * d1
    }
}

impl Default for LatToWorldY {
    fn default() -> Self {
        Self::new()
    }
}

const LAT_TABLE_STEP: f64 = 0.01;
const LAT_TABLE_START: f64 = -85.06;
/// Table intervals: from −85.06° to +85.06° (beyond ±MAX_LATITUDE on both sides).
const LAT_TABLE_LEN: usize = 17_012;

/// Number of tiles along each axis at zoom `z`: `2^z` (as f64, so that any `z` is safe).
pub fn tiles_per_axis(z: u8) -> f64 {
    2f64.powi(i32::from(z))
}

/// The world rectangle covered by tile `(x, y)` at zoom `z`.
///
/// Tiles outside the pyramid (`x` or `y` ≥ `2^z`) give rectangles outside `[0, 1]²`; it is up
/// to the caller to wrap or refuse them.
pub fn tile_world_bounds(z: u8, x: u32, y: u32) -> WorldRect {
    let tile_world = 1.0 / tiles_per_axis(z);
    let (x, y) = (f64::from(x), f64::from(y));
    WorldRect {
        min: [x * tile_world, y * tile_world],
        max: [(x + 1.0) * tile_world, (y + 1.0) * tile_world],
    }
}

/// The lon/lat rectangle covered by tile `(x, y)` at zoom `z`, as a `geo::Rect` with
/// `x` = longitude and `y` = latitude in degrees (min = south-west corner).
pub fn tile_lonlat_bounds(z: u8, x: u32, y: u32) -> geo::Rect<f64> {
    let world = tile_world_bounds(z, x, y);
    let (west, north) = lonlat_from_world(world.min[0], world.min[1]);
    let (east, south) = lonlat_from_world(world.max[0], world.max[1]);
    geo::Rect::new(
        geo::coord! { x: west, y: south },
        geo::coord! { x: east, y: north },
    )
}

/// The tile `(x, y)` at zoom `z` that contains a lon/lat position (clamped into the pyramid).
pub fn tile_from_lonlat(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let (x_world, y_world) = world_from_lonlat(lon, lat);
    let n = tiles_per_axis(z);
    let last = (n - 1.0).min(f64::from(u32::MAX));
    // `as` saturates and maps NaN to 0, which is what we want for a clamp.
    let x = (x_world * n).floor().clamp(0.0, last) as u32;
    let y = (y_world * n).floor().clamp(0.0, last) as u32;
    (x, y)
}

/// The longitude in −180..180 (180 itself stays 180), for showing: the map lets views and
/// drawn lines run past ±180°, people read coordinates in the usual range.
pub fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) || !lon.is_finite() {
        return lon;
    }
    (lon + 180.0).rem_euclid(360.0) - 180.0
}

/// `lon` moved by whole turns to lie within 180° of `previous`: the next vertex of a line
/// goes the short way round. A track from 179° E to 179° W crosses the antimeridian (it
/// continues to 181°) instead of running 358° back across the world, as Google Earth and
/// GDAL's dateline handling read such lines.
#[inline]
pub fn unwrap_lon(lon: f64, previous: f64) -> f64 {
    let d = lon - previous;
    if (-180.0..=180.0).contains(&d) || !d.is_finite() {
        lon
    } else {
        lon - 360.0 * (d / 360.0).round()
    }
}

/// The longitudes of a line or ring as they are drawn: the first vertex where it is (plus
/// `turns` whole turns), each next one unwrapped against the one before ([`unwrap_lon`]).
/// The map, the tiles, the index and the hit test all place vertices this way.
pub fn unwrapped_lons(coords: &[geo::Coord], turns: i32) -> impl Iterator<Item = f64> + '_ {
    let mut previous: Option<f64> = None;
    coords.iter().map(move |c| {
        let lon = match previous {
            Some(p) => unwrap_lon(c.x, p),
            None => c.x + 360.0 * f64::from(turns),
        };
        previous = Some(lon);
        lon
    })
}

/// The whole-world shifts `k` (world `x` + `k`) at which something drawn within `data_x`
/// (world `x` range) meets a view spanning `view_x`: the copies of the world a view that
/// crosses the antimeridian, or is wider than the world, has to draw. At most 64 copies.
pub fn world_copies(view_x: [f64; 2], data_x: [f64; 2]) -> std::ops::RangeInclusive<i32> {
    let first = (view_x[0] - data_x[1]).ceil();
    let last = (view_x[1] - data_x[0]).floor();
    if !(first.is_finite() && last.is_finite()) || first > last {
        #[allow(clippy::reversed_empty_ranges)]
        return 1..=0;
    }
    let first = first.clamp(-1e6, 1e6) as i32;
    let last = (last.clamp(-1e6, 1e6) as i32).min(first + 63);
    first..=last
}

/// The shortest span of longitude that holds every interval (`[west, east]` in degrees,
/// `east` ≥ `west`, any number of turns): the extent to fit a view to. When the data sit on
/// both sides of the antimeridian (Kamchatka and Alaska) the span crosses it and `east` is
/// beyond 180°; `west` is always in −180..180. `None` for no intervals.
pub fn lon_cover(intervals: impl IntoIterator<Item = [f64; 2]>) -> Option<[f64; 2]> {
    // Each interval as a start in [−180, 180) and a length; then the largest stretch of the
    // circle no interval covers is left out.
    let mut spans: Vec<[f64; 2]> = intervals
        .into_iter()
        .filter(|[w, e]| w.is_finite() && e.is_finite() && e >= w)
        .map(|[w, e]| [wrap_lon(w), (e - w).min(360.0)])
        .map(|[w, len]| if w >= 180.0 { [-180.0, len] } else { [w, len] })
        .collect();
    if spans.is_empty() {
        return None;
    }
    if spans.iter().any(|s| s[1] >= 360.0) {
        return Some([-180.0, 180.0]);
    }
    spans.sort_by(|a, b| a[0].total_cmp(&b[0]));
    // Merge in order; `reach` is how far east the merged run so far goes.
    let mut runs: Vec<[f64; 2]> = Vec::new();
    for [w, len] in spans {
        match runs.last_mut() {
            Some(r) if w <= r[1] => r[1] = r[1].max(w + len),
            _ => runs.push([w, w + len]),
        }
    }
    // Runs reaching past 180° may swallow the first runs of the next turn.
    let first_start = runs[0][0] + 360.0;
    let last = runs.last().copied()?;
    if last[1] >= first_start + 360.0 - 1e-9 {
        return Some([-180.0, 180.0]);
    }
    // Gaps: between consecutive runs, and from the last run round to the first.
    let mut best = (f64::MIN, 0usize);
    for i in 0..runs.len() {
        let end = runs[i][1];
        let next_start = if i + 1 < runs.len() { runs[i + 1][0] } else { first_start };
        let gap = next_start - end;
        if gap > best.0 {
            best = (gap, i);
        }
    }
    if best.0 <= 0.0 {
        return Some([-180.0, 180.0]);
    }
    // The cover starts after the largest gap and ends where the gap begins.
    let i = best.1;
    let west = if i + 1 < runs.len() { runs[i + 1][0] } else { runs[0][0] };
    let mut east = runs[i][1];
    while east < west {
        east += 360.0;
    }
    Some([west, east])
}

/// The longitude spans (`[west, east]`, degrees) the parts of a geometry are drawn across:
/// points as they are, lines and rings as [`unwrapped_lons`] places them (east beyond 180°
/// for a line that runs on past the antimeridian).
pub fn drawn_lon_spans(g: &geo::Geometry, out: &mut Vec<[f64; 2]>) {
    use geo::Geometry as G;
    let mut span = |coords: &[geo::Coord]| {
        let mut lons = unwrapped_lons(coords, 0);
        if let Some(first) = lons.next() {
            out.push(lons.fold([first, first], |[w, e], lon| [w.min(lon), e.max(lon)]));
        }
    };
    match g {
        G::Point(p) => span(&[p.0]),
        G::MultiPoint(mp) => mp.0.iter().for_each(|p| span(&[p.0])),
        G::LineString(l) => span(&l.0),
        G::MultiLineString(ml) => ml.0.iter().for_each(|l| span(&l.0)),
        G::Polygon(p) => span(&p.exterior().0),
        G::MultiPolygon(mp) => mp.0.iter().for_each(|p| span(&p.exterior().0)),
        G::GeometryCollection(gc) => gc.0.iter().for_each(|g| drawn_lon_spans(g, out)),
        G::Line(l) => span(&[l.start, l.end]),
        G::Rect(r) => span(&[r.min(), r.max()]),
        G::Triangle(t) => span(&t.to_array()),
    }
}

/// The bounding box of a geometry in lon/lat degrees, its longitudes by [`lon_cover`] over
/// the parts as drawn: a route cut at ±180° gets the box across the antimeridian (east
/// beyond 180°), not one round the world.
pub fn geometry_extent(g: &geo::Geometry) -> Option<geo::Rect<f64>> {
    use geo::BoundingRect;
    let r = g.bounding_rect()?;
    // Less than half a turn wide: no step between vertices can be the long way round, and
    // the box is the short span (the common case, without a second pass).
    if r.width() < 180.0 {
        return Some(r);
    }
    let mut spans = Vec::new();
    drawn_lon_spans(g, &mut spans);
    let [west, east] = lon_cover(spans)?;
    Some(geo::Rect::new(geo::coord! { x: west, y: r.min().y }, geo::coord! { x: east, y: r.max().y }))
}

/// The smallest box holding all `rects` (lon/lat degrees), its longitudes by [`lon_cover`]:
/// across the antimeridian (east beyond 180°) where that is the short way round.
pub fn merge_extents(rects: impl IntoIterator<Item = geo::Rect<f64>>) -> Option<geo::Rect<f64>> {
    let rects: Vec<geo::Rect<f64>> = rects.into_iter().collect();
    if rects.is_empty() {
        return None;
    }
    let south = rects.iter().map(|r| r.min().y).fold(f64::INFINITY, f64::min);
    let north = rects.iter().map(|r| r.max().y).fold(f64::NEG_INFINITY, f64::max);
    let (west, east) = rects.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(w, e), r| (w.min(r.min().x), e.max(r.max().x)));
    // All within half a turn: the plain union is the short span.
    let [west, east] = if east - west < 180.0 { [west, east] } else { lon_cover(rects.iter().map(|r| [r.min().x, r.max().x]))? };
    Some(geo::Rect::new(geo::coord! { x: west, y: south }, geo::coord! { x: east, y: north }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn corners_and_centre() {
        assert_eq!(world_from_lonlat(0.0, 0.0), (0.5, 0.5));
        let (x, y) = world_from_lonlat(-180.0, MAX_LATITUDE);
        assert!(close(x, 0.0, 1e-12) && close(y, 0.0, 1e-9), "{x} {y}");
        let (x, y) = world_from_lonlat(180.0, -MAX_LATITUDE);
        assert!(close(x, 1.0, 1e-12) && close(y, 1.0, 1e-9), "{x} {y}");
    }

    #[test]
    fn poles_are_clamped() {
        assert_eq!(
            world_from_lonlat(10.0, 90.0),
            world_from_lonlat(10.0, MAX_LATITUDE)
        );
        assert_eq!(
            world_from_lonlat(10.0, -90.0),
            world_from_lonlat(10.0, -MAX_LATITUDE)
        );
        assert!(world_from_lonlat(0.0, 90.0).1.is_finite());
    }

    #[test]
    fn round_trip() {
        for &(lon, lat) in &[
            (131.9, 43.1),
            (-70.5, -33.4),
            (179.99, 85.0),
            (-179.99, -85.0),
            (0.0, 0.0),
        ] {
            let (x, y) = world_from_lonlat(lon, lat);
            let (lon2, lat2) = lonlat_from_world(x, y);
            assert!(
                close(lon, lon2, 1e-9) && close(lat, lat2, 1e-9),
                "{lon},{lat} -> {lon2},{lat2}"
            );
        }
    }

    #[test]
    fn known_value_vladivostok() {
        // Vladivostok (131.91 E, 43.13 N) is in tile z6 (55, 23) in the XYZ scheme.
        assert_eq!(tile_from_lonlat(6, 131.91, 43.13), (55, 23));
        let b = tile_lonlat_bounds(6, 55, 23);
        assert!(b.min().x <= 131.91 && 131.91 <= b.max().x);
        assert!(b.min().y <= 43.13 && 43.13 <= b.max().y);
        assert!(close(b.min().x, 129.375, 1e-9) && close(b.max().x, 135.0, 1e-9));
    }

    #[test]
    fn tile_bounds_partition_the_world() {
        let a = tile_world_bounds(3, 2, 5);
        let b = tile_world_bounds(3, 3, 5);
        assert_eq!(a.max[0], b.min[0]);
        assert_eq!(tile_world_bounds(0, 0, 0), WorldRect::WORLD);
        let top = tile_lonlat_bounds(0, 0, 0);
        assert!(close(top.max().y, MAX_LATITUDE, 1e-6) && close(top.min().y, -MAX_LATITUDE, 1e-6));
    }

    #[test]
    fn fast_lat_matches_exact() {
        let fast = LatToWorldY::new();
        let mut worst = 0.0f64;
        let mut lat = -90.0;
        while lat <= 90.0 {
            let exact = world_from_lonlat(0.0, lat).1;
            worst = worst.max((fast.y(lat) - exact).abs());
            lat += 0.000_37;
        }
        for lat in [MAX_LATITUDE, -MAX_LATITUDE, 0.0, 85.05, -85.06, 90.0] {
            worst = worst.max((fast.y(lat) - world_from_lonlat(0.0, lat).1).abs());
        }
        assert!(worst < 1e-12, "worst error {worst:e}");
        assert!(fast.y(f64::NAN).is_nan());
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let _ = tile_world_bounds(255, u32::MAX, u32::MAX);
        let _ = tile_from_lonlat(255, f64::NAN, f64::INFINITY);
        assert_eq!(tile_from_lonlat(2, f64::NAN, f64::NAN), (0, 0));
        assert_eq!(tile_from_lonlat(2, 500.0, -100.0), (3, 3));
    }
    #[test]
    fn longitudes_wrap_for_showing_and_unwrap_for_drawing() {
        assert_eq!(wrap_lon(192.5), -167.5);
        assert_eq!(wrap_lon(-190.0), 170.0);
        assert_eq!(wrap_lon(180.0), 180.0);
        assert_eq!(wrap_lon(540.0 + 10.0), -170.0);
        assert_eq!(unwrap_lon(-179.0, 179.0), 181.0);
        assert_eq!(unwrap_lon(179.0, -179.0), -181.0);
        assert_eq!(unwrap_lon(10.0, 20.0), 10.0);
        let line = [geo::coord! { x: 170.0, y: 0.0 }, geo::coord! { x: -175.0, y: 0.0 }, geo::coord! { x: 175.0, y: 0.0 }, geo::coord! { x: -170.0, y: 0.0 }];
        assert_eq!(unwrapped_lons(&line, 0).collect::<Vec<_>>(), [170.0, 185.0, 175.0, 190.0]);
        assert_eq!(unwrapped_lons(&line, -1).collect::<Vec<_>>(), [-190.0, -175.0, -185.0, -170.0]);
    }

    #[test]
    fn copies_of_the_world_that_a_view_meets() {
        // A view across the antimeridian meets the data of this world and of the next.
        assert_eq!(world_copies([0.9, 1.1], [0.0, 1.0]), 0..=1);
        assert_eq!(world_copies([-0.1, 0.1], [0.0, 1.0]), -1..=0);
        assert_eq!(world_copies([0.3, 0.4], [0.0, 1.0]), 0..=0);
        // Data drawn past 180° (to x 1.05) show at the left edge of a view on −170°.
        assert_eq!(world_copies([0.0, 0.06], [0.9, 1.05]), -1..=-1);
        assert!(world_copies([0.3, 0.4], [f64::NAN, 1.0]).is_empty());
        assert_eq!(world_copies([-1e9, 1e9], [0.0, 1.0]).count(), 64);
    }

    #[test]
    fn the_cover_of_longitudes_takes_the_short_way_round() {
        // Kamchatka and Alaska: across the antimeridian.
        assert_eq!(lon_cover([[158.0, 160.0], [-150.0, -149.0]]), Some([158.0, 211.0]));
        // An RFC 7946 route cut at ±180°.
        assert_eq!(lon_cover([[160.0, 180.0], [-180.0, -152.0]]), Some([160.0, 208.0]));
        // Moscow to Vladivostok: not across it.
        assert_eq!(lon_cover([[37.6, 37.6], [131.9, 131.9]]), Some([37.6, 131.9]));
        // Already unwrapped past 180°.
        assert_eq!(lon_cover([[165.0, 192.0]]), Some([165.0, 192.0]));
        // Spread round the whole world.
        assert_eq!(lon_cover([[-180.0, -60.0], [-70.0, 60.0], [50.0, 181.0]]), Some([-180.0, 180.0]));
        assert_eq!(lon_cover([[0.0, 400.0]]), Some([-180.0, 180.0]));
        assert_eq!(lon_cover(std::iter::empty()), None);
        assert_eq!(merge_extents(std::iter::empty()), None);
        let r = |w: f64, e: f64| geo::Rect::new(geo::coord! { x: w, y: 0.0 }, geo::coord! { x: e, y: 1.0 });
        assert_eq!(merge_extents([r(170.0, 180.0), r(-180.0, -170.0)]), Some(r(170.0, 190.0)));
        assert_eq!(merge_extents([r(10.0, 20.0), r(-30.0, -20.0)]), Some(r(-30.0, 20.0)));
    }

}
