//! Where the sea ends and where ships call: distance from the embedded Natural Earth
//! coastline (1:10m), and the ports a call is made at (the embedded Natural Earth ports, plus
//! any the caller adds: a case's sites, a point layer).
//!
//! Distances are found in Web Mercator, where the nearest coastline segment to a point is the
//! nearest on the ground too (the projection is conformal: near a point it scales every
//! direction alike), and turned into metres at the point's latitude. Within the 50 nautical
//! miles the detectors ask about, the error is well under one per cent.

use std::sync::OnceLock;

use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};

use crate::basemap::{Basemap, LayerKind, Tier};
use crate::projection::world_from_lonlat;

/// Metres per world unit at the equator (Web Mercator's world is one unit wide).
const EQUATOR_M: f64 = 40_075_016.686;

fn metres_per_world(lat: f64) -> f64 {
    EQUATOR_M * lat.to_radians().cos().max(1e-6)
}

/// The coastline as segments in world units.
pub struct Shore {
    tree: RTree<Line<[f64; 2]>>,
}

impl Shore {
    /// The embedded coastline (built on first use, about a tenth of a second).
    pub fn embedded() -> &'static Shore {
        static SHORE: OnceLock<Shore> = OnceLock::new();
        SHORE.get_or_init(|| {
            let basemap = Basemap::embedded();
            let layer = basemap.layer_for(LayerKind::Coastline, Tier::High).or_else(|| basemap.layer_for(LayerKind::Coastline, Tier::Low));
            let mut segments = Vec::new();
            if let Some(layer) = layer {
                for f in &layer.features {
                    for part in layer.parts(f) {
                        segments.extend(part.windows(2).map(|w| Line::new(w[0], w[1])));
                    }
                }
            }
            Shore { tree: RTree::bulk_load(segments) }
        })
    }

    /// Distance from the nearest coastline in nautical miles (`f64::INFINITY` with no coast).
    pub fn distance_nm(&self, lon: f64, lat: f64) -> f64 {
        let (x, y) = world_from_lonlat(lon, lat);
        across_the_seam(x)
            .filter_map(|x| self.tree.nearest_neighbor(&[x, y]).map(|l| l.distance_2(&[x, y]).sqrt()))
            .fold(f64::INFINITY, f64::min)
            * metres_per_world(lat)
            / super::NM
    }
}

/// World `x` and, near the antimeridian, the same place one world over: the nearest coast or
/// port of a ship at 179.9° E may be at 179.9° W.
fn across_the_seam(x: f64) -> impl Iterator<Item = f64> {
    let x = x.rem_euclid(1.0);
    let twin = if x < 0.05 { Some(x + 1.0) } else if x > 0.95 { Some(x - 1.0) } else { None };
    std::iter::once(x).chain(twin)
}

/// A place ships call at.
#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// Ports with an index for "which port is within r metres".
pub struct Ports {
    ports: Vec<Port>,
    tree: RTree<GeomWithData<[f64; 2], usize>>,
}

impl Ports {
    /// The embedded Natural Earth ports and `extra` ones.
    pub fn with_embedded(extra: Vec<Port>) -> Ports {
        let basemap = Basemap::embedded();
        let mut ports = Vec::new();
        for tier in [Tier::High, Tier::Low] {
            if let Some(layer) = basemap.layer_for(LayerKind::Ports, tier) {
                for f in &layer.features {
                    if let Some([x, y]) = layer.point(f) {
                        let (lon, lat) = crate::projection::lonlat_from_world(x, y);
                        ports.push(Port { name: f.string(0).unwrap_or("port").to_owned(), lon, lat });
                    }
                }
                break;
            }
        }
        ports.extend(extra);
        Ports::new(ports)
    }

    pub fn new(ports: Vec<Port>) -> Ports {
        let tree = RTree::bulk_load(
            ports
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let (x, y) = world_from_lonlat(p.lon, p.lat);
                    GeomWithData::new([x, y], i)
                })
                .collect(),
        );
        Ports { ports, tree }
    }

    pub fn len(&self) -> usize {
        self.ports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }

    /// Distance to the nearest port in metres (`f64::INFINITY` with none).
    pub fn nearest_m(&self, lon: f64, lat: f64) -> f64 {
        let (x, y) = world_from_lonlat(lon, lat);
        across_the_seam(x)
            .filter_map(|x| self.tree.nearest_neighbor(&[x, y]))
            .map(|e| {
                let p = &self.ports[e.data];
                super::distance_m(lon, lat, p.lon, p.lat)
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// The nearest port within `metres`, with its distance.
    pub fn within(&self, lon: f64, lat: f64, metres: f64) -> Option<(&Port, f64)> {
        let (x, y) = world_from_lonlat(lon, lat);
        let r = metres / metres_per_world(lat) * 1.01;
        across_the_seam(x)
            .flat_map(|x| self.tree.locate_within_distance([x, y], r * r))
            .map(|e| {
                let p = &self.ports[e.data];
                (p, super::distance_m(lon, lat, p.lon, p.lat))
            })
            .filter(|(_, d)| *d <= metres)
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_coast_and_port_may_be_across_the_antimeridian() {
        // Amchitka (Aleutians, 179.3° E) is land; a ship at 179.99° W off the islands west
        // of it is nearer that coast than any coast on its own side of 180°.
        let shore = Shore::embedded();
        let east = shore.distance_nm(-179.99, 51.5);
        let west = shore.distance_nm(179.99, 51.5);
        assert!((east - west).abs() < 2.0, "{east} nm vs {west} nm");
        let ports = Ports::new(vec![Port { name: "West of 180".into(), lon: 179.95, lat: 52.0 }]);
        assert!(ports.nearest_m(-179.95, 52.0) < 8_000.0);
        assert!(ports.within(-179.95, 52.0, 8_000.0).is_some());
    }

    #[test]
    fn shore_and_ports_from_the_embedded_basemap() {
        let shore = Shore::embedded();
        // Vladivostok harbour is at the coast; the middle of the Sea of Japan is far from it.
        assert!(shore.distance_nm(131.89, 43.10) < 3.0, "{}", shore.distance_nm(131.89, 43.10));
        let open = shore.distance_nm(135.5, 40.0);
        assert!(open > 80.0 && open < 250.0, "{open}");
        let ports = Ports::with_embedded(vec![Port { name: "Test quay".into(), lon: 150.0, lat: 40.0 }]);
        assert!(ports.len() > 100);
        assert_eq!(ports.within(150.01, 40.0, 3000.0).map(|p| p.0.name.as_str()), Some("Test quay"));
        assert!(ports.within(150.1, 40.0, 3000.0).is_none());
        assert!(ports.within(131.89, 43.10, 10_000.0).is_some(), "Vladivostok is a Natural Earth port");
    }
}
