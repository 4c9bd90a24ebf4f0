//! Basemap labels as data: which names to show in a view at a zoom, where, and how important
//! each one is.
//!
//! Tiles carry no text: the UI (or the export) draws these labels on top of the map, so they
//! stay crisp, are never cut at tile edges, and can be placed with collision handling. This
//! module chooses and ranks; it knows nothing about fonts or drawing.

use super::layer::{FeatureData, LayerData, LayerKind, PlaceClass, Tier};
use crate::projection::{WorldRect, lonlat_from_world};

/// What a label names; the UI styles by it (size, weight, dot or anchor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelKind {
    Country,
    /// A national capital.
    Capital,
    /// The capital of a first-order region (oblast, province, ...).
    RegionCapital,
    /// A populated place of about 100 000 people or more.
    City,
    /// A smaller populated place (or a station or historic place).
    Town,
    Port,
}

/// One label to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// The name to show (Natural Earth's `name`, its cartographic label).
    pub text: String,
    /// A second name in another script, shown smaller: the Russian name for places in the
    /// countries of [`RUSSIAN_SECONDARY_COUNTRIES`], when it differs from `text`.
    pub secondary: Option<String>,
    /// Position in degrees. When the view crosses the antimeridian, `lon` may lie outside
    /// ±180° so that it projects into the view.
    pub lon: f64,
    pub lat: f64,
    pub kind: LabelKind,
    /// Higher is more important; place labels in this order and drop those that collide.
    /// Derived from the zoom at which Natural Earth first shows the label (earlier = more
    /// important) plus a bonus by kind, so it compares across kinds.
    pub priority: i32,
}

/// Countries whose place labels get the Russian name as a secondary line: where Russian is an
/// official language, and North Korea, whose place names the case's Russian-language sources
/// use in Russian transcription. (Natural Earth carries no Korean-script names.)
pub const RUSSIAN_SECONDARY_COUNTRIES: &[&str] = &["RUS", "BLR", "KAZ", "KGZ", "PRK"];

/// Ports are labelled from this many zoom levels after their symbol appears (the symbol comes
/// at `zoom >= scalerank`), so that at first they do not crowd the city names.
const PORT_LABEL_DELAY: f64 = 1.0;

/// Natural Earth `rank_max` from which a populated place counts as a city (100 000 people).
const CITY_RANK_MAX: u8 = 10;

/// Labels of the layers that meet `view_world` at `zoom`, most important first.
pub(crate) fn collect(
    places: Option<&LayerData>,
    ports: Option<&LayerData>,
    countries: Option<&LayerData>,
    view_world: &WorldRect,
    zoom: f64,
) -> Vec<Label> {
    let mut labels = Vec::new();
    let layers = [countries, places, ports];
    for layer in layers.into_iter().flatten() {
        for wrap in [-1.0f64, 0.0, 1.0] {
            // Features at world x + wrap appear in the view: look for them at view − wrap.
            let query = WorldRect {
                min: [view_world.min[0] - wrap, view_world.min[1]],
                max: [view_world.max[0] - wrap, view_world.max[1]],
            };
            if !query.intersects(&WorldRect::WORLD) {
                continue;
            }
            for i in layer.query(&query) {
                let Some(feature) = layer.features.get(i) else {
                    continue;
                };
                let Some(p_world) = layer.point(feature) else {
                    continue;
                };
                let inside = p_world[0] >= query.min[0]
                    && p_world[0] <= query.max[0]
                    && p_world[1] >= query.min[1]
                    && p_world[1] <= query.max[1];
                if !inside {
                    continue;
                }
                if let Some(mut label) = label_for(layer.kind, feature, zoom) {
                    let (lon, lat) = lonlat_from_world(p_world[0] + wrap, p_world[1]);
                    label.lon = lon;
                    label.lat = lat;
                    labels.push(label);
                }
            }
        }
    }
    labels.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.text.cmp(&b.text))
            .then_with(|| a.lon.total_cmp(&b.lon))
    });
    labels
}

/// The label of one feature at `zoom`, or `None` if it is not shown there (its position is
/// filled in by the caller).
fn label_for(kind: LayerKind, feature: &FeatureData, zoom: f64) -> Option<Label> {
    let attrs = &feature.attrs;
    let text = feature.string(0)?.to_owned();
    let (label_kind, first_zoom, secondary) = match kind {
        LayerKind::CountryLabels => {
            let max = attrs.max_label();
            if zoom < attrs.min_label() || (max > 0.0 && zoom > max) {
                return None;
            }
            (LabelKind::Country, attrs.min_label(), None)
        }
        LayerKind::Places => {
            if zoom < attrs.min_zoom() {
                return None;
            }
            let label_kind = match PlaceClass::from_code(attrs.class) {
                PlaceClass::CountryCapital => LabelKind::Capital,
                PlaceClass::RegionCapital => LabelKind::RegionCapital,
                PlaceClass::Populated if attrs.extra >= CITY_RANK_MAX => LabelKind::City,
                PlaceClass::Populated | PlaceClass::Other => LabelKind::Town,
            };
            let country = feature.string(2).unwrap_or("");
            let secondary = feature
                .string(1)
                .filter(|ru| *ru != text && RUSSIAN_SECONDARY_COUNTRIES.contains(&country))
                .map(str::to_owned);
            (label_kind, attrs.min_zoom(), secondary)
        }
        LayerKind::Ports => {
            let first = f64::from(attrs.scalerank) + PORT_LABEL_DELAY;
            if zoom < first {
                return None;
            }
            (LabelKind::Port, first, None)
        }
        _ => return None,
    };
    let bonus = match label_kind {
        LabelKind::Country => 500,
        LabelKind::Capital => 300,
        LabelKind::RegionCapital => 100,
        LabelKind::City => 50,
        LabelKind::Town => 0,
        LabelKind::Port => -200,
    };
    // First shown at zoom 0 → 10 000, at zoom 9 → 1 000: a zoom level outweighs every bonus
    // but the country one, and ties go to the kind.
    let priority = 10_000 - (first_zoom * 1000.0).round() as i32 + bonus;
    Some(Label {
        text,
        secondary,
        lon: 0.0,
        lat: 0.0,
        kind: label_kind,
        priority,
    })
}

/// Which tier's places to label at a zoom (the same rule as the tiles).
pub(crate) fn places_tier(zoom: f64) -> Tier {
    Tier::for_zoom(zoom)
}
