//! What the basemap is made of: layer kinds, zoom tiers, per-feature attributes, and a decoded
//! layer held in world coordinates with its features' bounding boxes.
//!
//! This module knows the *meaning* of the pack's codes (which layer is which, what a class
//! byte says) but not the byte layout (that is [`super::pack`]) nor how anything is drawn.

use crate::projection::WorldRect;

/// The Natural Earth layers the basemap ships. The discriminant is the layer's code in the
/// pack file; never renumber.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum LayerKind {
    Land = 1,
    Coastline = 2,
    Lakes = 3,
    Rivers = 4,
    Boundaries = 5,
    Admin1Lines = 6,
    UrbanAreas = 7,
    Railroads = 8,
    Ports = 9,
    Places = 10,
    CountryLabels = 11,
}

impl LayerKind {
    pub const ALL: [LayerKind; 11] = [
        LayerKind::Land,
        LayerKind::Coastline,
        LayerKind::Lakes,
        LayerKind::Rivers,
        LayerKind::Boundaries,
        LayerKind::Admin1Lines,
        LayerKind::UrbanAreas,
        LayerKind::Railroads,
        LayerKind::Ports,
        LayerKind::Places,
        LayerKind::CountryLabels,
    ];

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| *k as u8 == code)
    }

    /// The file name (without `.geojson`) in the Natural Earth basemap directory.
    pub fn file_stem(self) -> &'static str {
        match self {
            LayerKind::Land => "land",
            LayerKind::Coastline => "coastline",
            LayerKind::Lakes => "lakes",
            LayerKind::Rivers => "rivers",
            LayerKind::Boundaries => "boundaries",
            LayerKind::Admin1Lines => "admin1_lines",
            LayerKind::UrbanAreas => "urban_areas",
            LayerKind::Railroads => "railroads",
            LayerKind::Ports => "ports",
            LayerKind::Places => "places",
            LayerKind::CountryLabels => "country_labels",
        }
    }

    pub fn geometry(self) -> GeometryKind {
        match self {
            LayerKind::Land | LayerKind::Lakes | LayerKind::UrbanAreas => GeometryKind::Polygon,
            LayerKind::Coastline
            | LayerKind::Rivers
            | LayerKind::Boundaries
            | LayerKind::Admin1Lines
            | LayerKind::Railroads => GeometryKind::Line,
            LayerKind::Ports | LayerKind::Places | LayerKind::CountryLabels => GeometryKind::Point,
        }
    }

    /// The text fields each feature of this layer carries, in order. A missing value is kept
    /// as an empty string.
    pub fn string_fields(self) -> &'static [&'static str] {
        match self {
            LayerKind::Places => &["name", "name_ru", "adm0_a3"],
            LayerKind::Ports => &["name"],
            LayerKind::CountryLabels => &["name", "adm0_a3"],
            _ => &[],
        }
    }
}

/// Which Natural Earth scale a layer comes from. `Low` (1:50m) is drawn at zoom 0–5, `High`
/// (1:10m) from zoom 6. Layers that exist only in one tier are used at every zoom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Tier {
    Low = 0,
    High = 1,
}

impl Tier {
    /// The highest zoom drawn from the low tier.
    pub const LOW_MAX_ZOOM: u8 = 5;

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Tier::Low),
            1 => Some(Tier::High),
            _ => None,
        }
    }

    /// The tier to draw at a (possibly fractional) zoom.
    pub fn for_zoom(zoom: f64) -> Self {
        if zoom < f64::from(Self::LOW_MAX_ZOOM) + 1.0 {
            Tier::Low
        } else {
            Tier::High
        }
    }

    pub fn dir_name(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::High => "high",
        }
    }
}

/// The geometry every feature of a layer has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeometryKind {
    /// One position per feature.
    Point,
    /// One or more polylines per feature.
    Line,
    /// One or more closed rings per feature (exteriors counter-clockwise and holes clockwise
    /// in lon/lat; the closing vertex is not stored). Filled with the non-zero rule, all rings
    /// of all features of a layer together.
    Polygon,
}

/// The few Natural Earth properties the renderer and the labels use, as small numbers.
///
/// Zooms are stored in tenths (`min_zoom` 6.7 → 67); 0 when the source had none. The meaning
/// of `class` and `extra` depends on the layer: see [`BoundaryClass`], [`RiverClass`],
/// [`RailClass`], [`PlaceClass`]; for railroads `extra` holds `mult_track | electric << 2`,
/// for places the Natural Earth `rank_max` (population class).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FeatureAttrs {
    pub scalerank: u8,
    pub min_zoom_x10: u8,
    pub min_label_x10: u8,
    pub max_label_x10: u8,
    pub class: u8,
    pub extra: u8,
}

impl FeatureAttrs {
    pub fn min_zoom(&self) -> f64 {
        f64::from(self.min_zoom_x10) / 10.0
    }
    pub fn min_label(&self) -> f64 {
        f64::from(self.min_label_x10) / 10.0
    }
    pub fn max_label(&self) -> f64 {
        f64::from(self.max_label_x10) / 10.0
    }
}

/// `class` of a boundary line (from Natural Earth's `kind` and `featurecla`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BoundaryClass {
    /// An agreed international land boundary.
    Land = 0,
    /// A claim, breakaway region, reference line (`kind = disputed`).
    Disputed = 1,
    /// A land boundary Natural Earth marks as disputed, indefinite, a line of control, a lease
    /// or overlay limit.
    Indefinite = 2,
    /// An indicative sea limit (median, treaty or 200-mile line).
    Maritime = 3,
}

impl BoundaryClass {
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => BoundaryClass::Disputed,
            2 => BoundaryClass::Indefinite,
            3 => BoundaryClass::Maritime,
            _ => BoundaryClass::Land,
        }
    }
}

/// `class` of a river line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RiverClass {
    River = 0,
    /// The centre line of a lake, for network continuity; not drawn (the lake is).
    LakeCenterline = 1,
}

impl RiverClass {
    pub fn from_code(code: u8) -> Self {
        if code == 1 {
            RiverClass::LakeCenterline
        } else {
            RiverClass::River
        }
    }
}

/// `class` of a railroad line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RailClass {
    Railroad = 0,
    Ferry = 1,
}

impl RailClass {
    pub fn from_code(code: u8) -> Self {
        if code == 1 {
            RailClass::Ferry
        } else {
            RailClass::Railroad
        }
    }
}

/// `class` of a populated place (from Natural Earth's `featurecla`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum PlaceClass {
    Populated = 0,
    /// Admin-0 capital (also "alt" and "region" capitals).
    CountryCapital = 1,
    /// Admin-1 capital (also "region" capitals).
    RegionCapital = 2,
    /// Scientific and meteorological stations, historic places.
    Other = 3,
}

impl PlaceClass {
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => PlaceClass::CountryCapital,
            2 => PlaceClass::RegionCapital,
            3 => PlaceClass::Other,
            _ => PlaceClass::Populated,
        }
    }
}

/// One feature of a decoded layer.
#[derive(Debug)]
pub(crate) struct FeatureData {
    /// Its parts are `part_ends[first_part..end_part]` of the layer.
    pub first_part: u32,
    pub end_part: u32,
    pub attrs: FeatureAttrs,
    /// The layer's [`LayerKind::string_fields`], in order (empty for other layers).
    pub strings: Box<[Box<str>]>,
}

impl FeatureData {
    pub fn string(&self, i: usize) -> Option<&str> {
        self.strings.get(i).map(|s| &**s).filter(|s| !s.is_empty())
    }
}

/// A decoded layer: every vertex in world units (Web Mercator, `[0, 1]²`, y down), the parts
/// that cut them into rings or lines, the features that own the parts, and their bounding
/// boxes.
#[derive(Debug)]
pub(crate) struct LayerData {
    pub kind: LayerKind,
    pub coords_world: Vec<[f64; 2]>,
    /// Exclusive end (into `coords_world`) of each part; a part starts where the previous ends.
    pub part_ends: Vec<u32>,
    pub features: Vec<FeatureData>,
    /// Each feature's bounding box in world units with the feature's index, sorted by west
    /// edge: [`LayerData::query`] scans those that start west of the query's east edge. A
    /// layer holds a few thousand features (the largest, 14,000): scanning their boxes takes
    /// microseconds, where bulk-loading an R-tree of them was a quarter of decoding a tier.
    boxes: Vec<(WorldRect, u32)>,
}

impl LayerData {
    /// Finds the features' bounding boxes. `features`, `part_ends` and `coords_world` must be
    /// consistent (the decoder guarantees it).
    pub fn new(
        kind: LayerKind,
        coords_world: Vec<[f64; 2]>,
        part_ends: Vec<u32>,
        features: Vec<FeatureData>,
    ) -> Self {
        let mut layer = LayerData {
            kind,
            coords_world,
            part_ends,
            features,
            boxes: Vec::new(),
        };
        let mut boxes: Vec<(WorldRect, u32)> = (0..layer.features.len())
            .filter_map(|i| Some((layer.feature_bounds(i)?, u32::try_from(i).ok()?)))
            .collect();
        boxes.sort_unstable_by(|a, b| a.0.min[0].total_cmp(&b.0.min[0]));
        layer.boxes = boxes;
        layer
    }

    /// The vertices of part `part` in world units (empty if out of range).
    pub fn part(&self, part: usize) -> &[[f64; 2]] {
        let start = if part == 0 {
            0
        } else {
            self.part_ends
                .get(part - 1)
                .map_or(usize::MAX, |&e| e as usize)
        };
        let end = self.part_ends.get(part).map_or(0, |&e| e as usize);
        self.coords_world.get(start..end).unwrap_or(&[])
    }

    /// The parts of feature `i`.
    pub fn parts(&self, feature: &FeatureData) -> impl Iterator<Item = &[[f64; 2]]> {
        (feature.first_part as usize..feature.end_part as usize).map(|p| self.part(p))
    }

    /// The first vertex of feature `i`: the position of a point feature.
    pub fn point(&self, feature: &FeatureData) -> Option<[f64; 2]> {
        self.parts(feature).next().and_then(|p| p.first().copied())
    }

    fn feature_bounds(&self, i: usize) -> Option<WorldRect> {
        let feature = self.features.get(i)?;
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for part in self.parts(feature) {
            for p in part {
                min = [min[0].min(p[0]), min[1].min(p[1])];
                max = [max[0].max(p[0]), max[1].max(p[1])];
            }
        }
        (min[0] <= max[0] && min[1] <= max[1]).then_some(WorldRect { min, max })
    }

    /// Indexes of the features whose bounding box meets `rect_world`, in no particular order.
    pub fn query(&self, rect_world: &WorldRect) -> impl Iterator<Item = usize> + '_ {
        let r = *rect_world;
        let west_of_east_edge = self.boxes.partition_point(|(b, _)| b.min[0] <= r.max[0]);
        self.boxes[..west_of_east_edge]
            .iter()
            .filter(move |(b, _)| b.max[0] >= r.min[0] && b.min[1] <= r.max[1] && b.max[1] >= r.min[1])
            .map(|&(_, i)| i as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in LayerKind::ALL {
            assert_eq!(LayerKind::from_code(k as u8), Some(k));
        }
        assert_eq!(LayerKind::from_code(0), None);
        assert_eq!(LayerKind::from_code(200), None);
        assert_eq!(Tier::from_code(Tier::High as u8), Some(Tier::High));
        assert_eq!(Tier::from_code(7), None);
    }

    #[test]
    fn tier_by_zoom() {
        assert_eq!(Tier::for_zoom(0.0), Tier::Low);
        assert_eq!(Tier::for_zoom(5.0), Tier::Low);
        assert_eq!(Tier::for_zoom(5.99), Tier::Low);
        assert_eq!(Tier::for_zoom(6.0), Tier::High);
        assert_eq!(Tier::for_zoom(22.0), Tier::High);
    }

    #[test]
    fn query_finds_exactly_the_boxes_that_meet_the_rectangle() {
        // 400 short lines scattered over the world by a fixed pseudo-random sequence.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut coords, mut ends, mut features) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..400u32 {
            let (x, y) = (next(), next());
            coords.extend([[x, y], [x + next() * 0.1, y + next() * 0.1 - 0.05]]);
            ends.push(coords.len() as u32);
            features.push(FeatureData { first_part: i, end_part: i + 1, attrs: FeatureAttrs::default(), strings: Box::new([]) });
        }
        let layer = LayerData::new(LayerKind::Coastline, coords.clone(), ends, features);
        for _ in 0..200 {
            let (x, y, w, h) = (next() * 1.2 - 0.1, next() * 1.2 - 0.1, next() * 0.3, next() * 0.3);
            let r = WorldRect { min: [x, y], max: [x + w, y + h] };
            let mut got: Vec<usize> = layer.query(&r).collect();
            got.sort_unstable();
            let want: Vec<usize> = (0..400)
                .filter(|&i| {
                    let [a, b] = [coords[2 * i], coords[2 * i + 1]];
                    a[0].min(b[0]) <= r.max[0] && a[0].max(b[0]) >= r.min[0] && a[1].min(b[1]) <= r.max[1] && a[1].max(b[1]) >= r.min[1]
                })
                .collect();
            assert_eq!(got, want, "{r:?}");
        }
    }

    #[test]
    fn layer_query_finds_by_bbox() {
        let coords = vec![[0.1, 0.1], [0.2, 0.2], [0.8, 0.8], [0.9, 0.85]];
        let features = vec![
            FeatureData {
                first_part: 0,
                end_part: 1,
                attrs: FeatureAttrs::default(),
                strings: Box::new([]),
            },
            FeatureData {
                first_part: 1,
                end_part: 2,
                attrs: FeatureAttrs::default(),
                strings: Box::new([]),
            },
        ];
        let layer = LayerData::new(LayerKind::Coastline, coords, vec![2, 4], features);
        let hits: Vec<usize> = layer
            .query(&WorldRect {
                min: [0.15, 0.0],
                max: [0.3, 0.3],
            })
            .collect();
        assert_eq!(hits, vec![0]);
        assert_eq!(layer.part(1), &[[0.8, 0.8], [0.9, 0.85]]);
        assert_eq!(layer.part(5), &[] as &[[f64; 2]]);
    }
}
