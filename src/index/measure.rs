//! Geodesic distances on the WGS84 ellipsoid (Karney's method, through geo).

use geo::{Distance, Geodesic, Point};

/// One international nautical mile, in metres.
pub const METRES_PER_NAUTICAL_MILE: f64 = 1852.0;

/// The length in metres of each leg of a path of lon/lat points, and the total.
pub fn legs(points: &[(f64, f64)]) -> (Vec<f64>, f64) {
    let legs: Vec<f64> = points
        .windows(2)
        .map(|w| Geodesic.distance(Point::new(w[0].0, w[0].1), Point::new(w[1].0, w[1].1)))
        .collect();
    let total = legs.iter().sum();
    (legs, total)
}

/// "42.8930° N  132.3680° E"
pub fn format_lonlat(lon: f64, lat: f64) -> String {
    let lon = crate::projection::wrap_lon(lon);
    let ns = if lat >= 0.0 { 'N' } else { 'S' };
    let ew = if lon >= 0.0 { 'E' } else { 'W' };
    format!("{:.4}° {ns}  {:.4}° {ew}", lat.abs(), lon.abs())
}

/// "123.4 km · 66.6 nmi"
pub fn format_distance(metres: f64) -> String {
    let km = metres / 1000.0;
    let nm = metres / METRES_PER_NAUTICAL_MILE;
    if km < 10.0 { format!("{km:.2} km · {nm:.2} nmi") } else { format!("{km:.1} km · {nm:.1} nmi") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn across_the_antimeridian_the_short_way() {
        // Petropavlovsk-Kamchatsky to Anchorage: about 3,000 km across the Bering Sea, not
        // the 17,000 km the other way round the world; the same whichever side the points
        // are written on.
        let (_, total) = legs(&[(158.65, 53.02), (-149.9, 61.22)]);
        assert!((2_900_000.0..3_200_000.0).contains(&total), "{total}");
        let (_, unwrapped) = legs(&[(158.65, 53.02), (210.1, 61.22)]);
        assert!((unwrapped - total).abs() < 1.0, "{unwrapped} {total}");
        assert_eq!(format_lonlat(192.5781, 55.0), "55.0000° N  167.4219° W");
    }

    #[test]
    fn a_degree_of_latitude_at_the_equator() {
        let (legs, total) = legs(&[(0.0, 0.0), (0.0, 1.0)]);
        assert_eq!(legs.len(), 1);
        assert!((total - 110_574.4).abs() < 1.0, "{total}");
        assert_eq!(format_distance(total), "110.6 km · 59.7 nmi");
    }
}
