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
}
