//! The case symbology: how each kind of feature looks, shared by the screen and the export.
//!
//! Colours come from the Okabe–Ito palette, which stays distinguishable for the common forms
//! of colour blindness.

use super::{Anchor, Primitive, Px, Rgba, Stroke};
use crate::model::{Feature, FeatureKind};

pub const VERMILLION: Rgba = Rgba::rgb(0xD5, 0x5E, 0x00);
pub const BLUE: Rgba = Rgba::rgb(0x00, 0x72, 0xB2);
pub const ORANGE: Rgba = Rgba::rgb(0xE6, 0x9F, 0x00);
pub const GREEN: Rgba = Rgba::rgb(0x00, 0x9E, 0x73);
pub const SKY: Rgba = Rgba::rgb(0x56, 0xB4, 0xE9);
pub const PURPLE: Rgba = Rgba::rgb(0xCC, 0x79, 0xA7);
pub const YELLOW: Rgba = Rgba::rgb(0xF0, 0xE4, 0x42);
pub const INK: Rgba = Rgba::rgb(0x22, 0x22, 0x22);
pub const WHITE: Rgba = Rgba::rgb(0xFF, 0xFF, 0xFF);

/// Drawn under the selected feature.
pub const SELECTION_HALO: Rgba = YELLOW;
/// Site labels and their halo.
pub const LABEL: Rgba = INK;
pub const LABEL_HALO: Rgba = Rgba([255, 255, 255, 220]);
pub const LABEL_SIZE: f32 = 13.0;
/// The thin line from a marker to its label when the label had to be moved away from it.
pub const LEADER: Stroke = Stroke::solid(Rgba::rgb(0x6b, 0x6b, 0x6b), 0.75);

/// Lines whose course is schematic or inferred are drawn lighter than observed ones.
pub fn is_certain(f: &Feature) -> bool {
    matches!(f.str_prop("status"), Some("observed" | "reported") | None)
}

fn certainty_alpha(f: &Feature) -> u8 {
    if is_certain(f) { 255 } else { 185 }
}

/// Sea route: a line with direction arrows, dashed where the ship ran with AIS off.
pub fn sea_route(f: &Feature) -> Stroke {
    let dash = (f.str_prop("ais") == Some("off")).then_some([11.0, 6.0]);
    Stroke { color: VERMILLION.with_alpha(certainty_alpha(f)), width: 3.0, dash }
}

pub const ARROW_SPACING_PX: f32 = 140.0;
pub const ARROW_SIZE_PX: f32 = 11.0;

/// Rail corridor: a line with cross ties, as railways are drawn on maps.
pub fn rail_corridor(f: &Feature) -> Stroke {
    Stroke::solid(BLUE.with_alpha(certainty_alpha(f)), 2.5)
}

pub const TIE_SPACING_PX: f32 = 9.0;
pub const TIE_LENGTH_PX: f32 = 8.0;
pub const TIE_WIDTH_PX: f32 = 1.5;

/// Site marker: fill, outline, radius in pixels. Low-confidence sites are hollow.
pub fn site_marker(f: &Feature) -> (Rgba, Stroke, f32) {
    let low = f.str_prop("confidence").is_some_and(|c| c.starts_with("low"));
    let fill = if low { WHITE } else { ORANGE };
    (fill, Stroke::solid(INK, 1.5), 5.5)
}

/// The circle of a site's location uncertainty (`precision_m`).
pub fn uncertainty_circle() -> (Rgba, Stroke) {
    (ORANGE.with_alpha(38), Stroke { color: ORANGE.with_alpha(200), width: 1.2, dash: Some([4.0, 3.0]) })
}

/// Circles smaller than this (radius in pixels) are not drawn: the marker says it all.
pub const MIN_UNCERTAINTY_RADIUS_PX: f32 = 8.0;

/// The "unsourced" mark, on screen only (never exported): a small hollow red-orange ring with a
/// "?" at a site marker's upper right, half-way along a route or inside an area, on
/// case features that name no source. Its shape, not only its colour, sets it apart from the
/// vermillion of sea routes.
pub const UNSOURCED: Rgba = Rgba::rgb(0xE8, 0x40, 0x1C);
pub const UNSOURCED_RADIUS_PX: f32 = 5.5;
pub const UNSOURCED_STROKE_PX: f32 = 1.5;
/// Inside the ring, so the "?" reads over lines and fills.
pub const UNSOURCED_FILL: Rgba = Rgba([255, 255, 255, 200]);

/// The "unsourced" mark centred on `center`: the ring, then the "?".
pub fn unsourced_mark(center: Px) -> [Primitive; 2] {
    let (r, ring) = (UNSOURCED_RADIUS_PX, Stroke::solid(UNSOURCED, UNSOURCED_STROKE_PX));
    [
        Primitive::Circle { center, radius: r, fill: UNSOURCED_FILL, stroke: Some(ring) },
        Primitive::Text { anchor: center, align: Anchor::Center, text: "?".into(), size: r * 1.75, color: UNSOURCED, halo: Rgba([0; 4]) },
    ]
}

/// Area polygon: translucent fill, outline dashed when the extent is inferred.
pub fn area(f: &Feature) -> (Rgba, Stroke) {
    let dash = (!is_certain(f)).then_some([7.0, 4.0]);
    (GREEN.with_alpha(55), Stroke { color: GREEN, width: 2.0, dash })
}

/// Plain layers: a default per geometry type, overridden by the feature's simplestyle
/// properties (`marker-color`, `stroke`, `stroke-width`, `stroke-opacity`, `fill`,
/// `fill-opacity`), as geojson.io writes them and the KML reader carries Google Earth styles.
pub fn plain_point(f: &Feature) -> (Rgba, Stroke, f32) {
    (colour(f, "marker-color", None).unwrap_or(PURPLE), Stroke::solid(WHITE, 1.5), 4.5)
}

pub fn plain_line(f: &Feature) -> Stroke {
    let color = colour(f, "stroke", Some("stroke-opacity")).unwrap_or(SKY);
    let width = f.f64_prop("stroke-width").filter(|w| (0.5..=20.0).contains(w)).map_or(2.0, |w| w as f32);
    // An AIS gap (`ais::output`) is where the ship was not seen: dashed, as "AIS off" legs are.
    let dash = (f.str_prop("kind") == Some("ais_gap")).then_some([6.0, 4.0]);
    Stroke { color, width, dash }
}

pub fn plain_polygon(f: &Feature) -> (Rgba, Stroke) {
    let fill = colour(f, "fill", Some("fill-opacity")).unwrap_or(SKY.with_alpha(50));
    (fill, Stroke { width: plain_line(f).width.min(3.0) * 0.75, ..plain_line(f) })
}

/// The one colour that tells a feature's symbol apart in a legend (the marker's fill, the
/// line's stroke, the area's outline), opaque: what a colour-vision check compares.
pub fn key_colour(f: &Feature) -> Rgba {
    use crate::model::FeatureKind;
    let c = match f.kind() {
        FeatureKind::Site => site_marker(f).0,
        FeatureKind::SeaRoute => sea_route(f).color,
        FeatureKind::RailCorridor => rail_corridor(f).color,
        FeatureKind::Area => area(f).1.color,
        FeatureKind::Other(_) => match f.geometry {
            Some(geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_)) => plain_point(f).0,
            Some(geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_) | geo::Geometry::Line(_)) => plain_line(f).color,
            _ => plain_polygon(f).1.color,
        },
    };
    c.with_alpha(255)
}

/// A `#rrggbb` (or `#rgb`) property as a colour, with an opacity property if there is one.
fn colour(f: &Feature, key: &str, opacity: Option<&str>) -> Option<Rgba> {
    let hex = f.str_prop(key)?.trim().strip_prefix('#')?;
    let byte = |s: &str| u8::from_str_radix(s, 16).ok();
    let [r, g, b] = match hex.len() {
        6 => [byte(&hex[0..2])?, byte(&hex[2..4])?, byte(&hex[4..6])?],
        3 => [byte(&hex[0..1])? * 17, byte(&hex[1..2])? * 17, byte(&hex[2..3])? * 17],
        _ => return None,
    };
    let alpha = opacity.and_then(|k| f.f64_prop(k)).map_or(255, |a| (a.clamp(0.0, 1.0) * 255.0).round() as u8);
    Some(Rgba([r, g, b, alpha]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(props: serde_json::Value) -> Feature {
        Feature { properties: props.as_object().cloned().unwrap_or_default().into(), ..Feature::default() }
    }

    #[test]
    fn simplestyle_properties_override_the_defaults() {
        let line = plain_line(&f(serde_json::json!({"stroke": "#ff0000", "stroke-width": 4, "stroke-opacity": 0.5})));
        assert_eq!((line.color, line.width), (Rgba([255, 0, 0, 128]), 4.0));
        assert_eq!(plain_point(&f(serde_json::json!({"marker-color": "#0f0"}))).0, Rgba([0, 255, 0, 255]));
        // Anything else keeps the default.
        for bad in ["red", "#12345", "#gggggg", ""] {
            assert_eq!(plain_line(&f(serde_json::json!({"stroke": bad}))).color, SKY, "{bad}");
        }
    }
}

/// Line width of the selection halo for a stroke of the given width.
pub fn halo_width(width: f32) -> f32 {
    width + 7.0
}

/// Human name of a kind, for legends and tooltips.
pub fn kind_label(kind: &FeatureKind) -> &str {
    match kind {
        FeatureKind::Site => "site",
        FeatureKind::SeaRoute => "sea route",
        FeatureKind::RailCorridor => "rail corridor",
        FeatureKind::Area => "area",
        FeatureKind::Other(s) if s.is_empty() => "feature",
        FeatureKind::Other(s) => s,
    }
}

/// How a basemap place name looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaceStyle {
    pub size: f32,
    pub color: Rgba,
    /// A dot at the place, left of the name; 0 for none (the name is centred on the place).
    pub dot_radius: f32,
}

/// Basemap names are grey and quiet, so that the case reads first.
pub const COUNTRY_NAME: PlaceStyle = PlaceStyle { size: 13.0, color: Rgba::rgb(0x6b, 0x6b, 0x78), dot_radius: 0.0 };
pub const CAPITAL_NAME: PlaceStyle = PlaceStyle { size: 13.0, color: Rgba::rgb(0x33, 0x33, 0x3a), dot_radius: 3.2 };
pub const CITY_NAME: PlaceStyle = PlaceStyle { size: 12.0, color: Rgba::rgb(0x3a, 0x3a, 0x42), dot_radius: 2.6 };
pub const TOWN_NAME: PlaceStyle = PlaceStyle { size: 11.0, color: Rgba::rgb(0x4a, 0x4a, 0x52), dot_radius: 2.0 };
pub const PORT_NAME: PlaceStyle = PlaceStyle { size: 10.5, color: Rgba::rgb(0x2f, 0x5d, 0x86), dot_radius: 2.0 };
