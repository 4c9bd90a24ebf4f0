//! Legend entries: a swatch drawn with the same primitives as the map, and its label.

use super::style;
use super::{Primitive, Px, Stroke};
use crate::model::{Feature, FeatureKind};

/// Swatch size in pixels.
pub const SWATCH: Px = [36.0, 16.0];

pub struct LegendEntry {
    pub label: &'static str,
    /// Primitives within a `SWATCH`-sized box at the origin.
    pub swatch: Vec<Primitive>,
}

fn feature(props: serde_json::Value) -> Feature {
    Feature { properties: props.as_object().cloned().unwrap_or_default().into(), ..Feature::default() }
}

/// The legend for the kinds present, in drawing order, with the variants the data uses.
pub fn entries(kinds: &[FeatureKind], ais_off: bool, low_confidence: bool) -> Vec<LegendEntry> {
    let [w, h] = SWATCH;
    let mid = h / 2.0;
    let line = [[2.0, mid], [w - 2.0, mid]];
    let mut out = Vec::new();
    for kind in kinds {
        match kind {
            FeatureKind::SeaRoute => {
                let f = feature(serde_json::json!({"status": "schematic", "ais": if ais_off { "off" } else { "unknown" }}));
                let stroke = style::sea_route(&f);
                let label = if ais_off { "Sea route (dashed: AIS off)" } else { "Sea route" };
                let tip = [w - 6.0, mid];
                let arrow = [tip, [tip[0] - style::ARROW_SIZE_PX, mid - 5.0], [tip[0] - style::ARROW_SIZE_PX, mid + 5.0]];
                out.push(LegendEntry {
                    label,
                    swatch: vec![
                        Primitive::Line { points: line.to_vec(), stroke },
                        Primitive::Triangle { points: arrow, fill: stroke.color.with_alpha(255) },
                    ],
                });
            }
            FeatureKind::RailCorridor => {
                let stroke = style::rail_corridor(&feature(serde_json::json!({"status": "inferred"})));
                let mut swatch = vec![Primitive::Line { points: line.to_vec(), stroke }];
                let half = style::TIE_LENGTH_PX / 2.0;
                let mut x = 5.0;
                while x < w - 2.0 {
                    let tie = Stroke::solid(stroke.color, style::TIE_WIDTH_PX);
                    swatch.push(Primitive::Line { points: vec![[x, mid - half], [x, mid + half]], stroke: tie });
                    x += style::TIE_SPACING_PX;
                }
                out.push(LegendEntry { label: "Rail corridor", swatch });
            }
            FeatureKind::Site => {
                let (fill, stroke, r) = style::site_marker(&feature(serde_json::json!({"confidence": "high"})));
                out.push(LegendEntry {
                    label: "Site",
                    swatch: vec![Primitive::Circle { center: [w / 2.0, mid], radius: r, fill, stroke: Some(stroke) }],
                });
                if low_confidence {
                    let (fill, stroke, r) = style::site_marker(&feature(serde_json::json!({"confidence": "low"})));
                    out.push(LegendEntry {
                        label: "Site, low confidence",
                        swatch: vec![Primitive::Circle { center: [w / 2.0, mid], radius: r, fill, stroke: Some(stroke) }],
                    });
                }
                let (fill, stroke) = style::uncertainty_circle();
                out.push(LegendEntry {
                    label: "Location uncertainty",
                    swatch: vec![Primitive::Circle { center: [w / 2.0, mid], radius: mid - 1.0, fill, stroke: Some(stroke) }],
                });
            }
            FeatureKind::Area => {
                let (fill, stroke) = style::area(&feature(serde_json::json!({"status": "inferred"})));
                let rect = vec![[4.0, 2.0], [w - 4.0, 2.0], [w - 4.0, h - 2.0], [4.0, h - 2.0], [4.0, 2.0]];
                out.push(LegendEntry { label: "Area (dashed: inferred)", swatch: vec![Primitive::Polygon { rings: vec![rect], fill, stroke: Some(stroke) }] });
            }
            FeatureKind::Other(_) => {
                let plain = Feature::default();
                let (fill, stroke, r) = style::plain_point(&plain);
                out.push(LegendEntry {
                    label: "Imported data",
                    swatch: vec![
                        Primitive::Line { points: line.to_vec(), stroke: style::plain_line(&plain) },
                        Primitive::Circle { center: [w / 2.0, mid], radius: r, fill, stroke: Some(stroke) },
                    ],
                });
            }
        }
    }
    out
}

/// The entry for the "unsourced" mark, for a legend on screen while the marks are drawn
/// (`LayerInput::mark_unsourced`); exports never draw the marks, so never need it.
pub fn unsourced_entry() -> LegendEntry {
    let [w, h] = SWATCH;
    LegendEntry { label: "Unsourced: no source named", swatch: style::unsourced_mark([w / 2.0, h / 2.0]).to_vec() }
}
