//! From Natural Earth GeoJSON properties to the few attributes the pack keeps.
//!
//! Used by the packer (`examples/pack_basemap.rs`); the app never reads GeoJSON basemap data.
//! This is the one place that knows Natural Earth's property names and `featurecla` values.

use serde_json::{Map, Value};

use super::layer::{BoundaryClass, FeatureAttrs, LayerKind, PlaceClass, RailClass, RiverClass};

/// The attributes and strings of one feature of `kind`, from its GeoJSON properties.
/// Missing or malformed values become 0 (zooms, ranks) or empty strings.
pub fn attributes(kind: LayerKind, props: &Map<String, Value>) -> (FeatureAttrs, Vec<String>) {
    let text = |key: &str| props.get(key).and_then(Value::as_str).unwrap_or("");
    let featurecla = text("featurecla");
    let class = match kind {
        LayerKind::Boundaries => boundary_class(text("kind"), featurecla) as u8,
        LayerKind::Rivers if featurecla == "Lake Centerline" => RiverClass::LakeCenterline as u8,
        LayerKind::Rivers => RiverClass::River as u8,
        LayerKind::Railroads if featurecla == "Railroad ferry" => RailClass::Ferry as u8,
        LayerKind::Railroads => RailClass::Railroad as u8,
        LayerKind::Places => place_class(featurecla) as u8,
        _ => 0,
    };
    let extra = match kind {
        LayerKind::Railroads => {
            small(props, "mult_track").min(3) | small(props, "electric").min(3) << 2
        }
        LayerKind::Places => small(props, "rank_max"),
        _ => 0,
    };
    let attrs = FeatureAttrs {
        scalerank: small(props, "scalerank"),
        min_zoom_x10: tenths(props, "min_zoom"),
        min_label_x10: tenths(props, "min_label"),
        max_label_x10: tenths(props, "max_label"),
        class,
        extra,
    };
    let strings = kind
        .string_fields()
        .iter()
        .map(|key| text(key).to_owned())
        .collect();
    (attrs, strings)
}

fn boundary_class(kind: &str, featurecla: &str) -> BoundaryClass {
    match kind {
        "maritime" => BoundaryClass::Maritime,
        "disputed" => BoundaryClass::Disputed,
        _ if featurecla.starts_with("International boundary") => BoundaryClass::Land,
        _ if featurecla.is_empty() => BoundaryClass::Land,
        // Disputed (please verify), Indefinite, Line of control, Lease/Overlay limit, ...
        _ => BoundaryClass::Indefinite,
    }
}

fn place_class(featurecla: &str) -> PlaceClass {
    match featurecla {
        "Admin-0 capital" | "Admin-0 capital alt" | "Admin-0 region capital" => {
            PlaceClass::CountryCapital
        }
        "Admin-1 capital" | "Admin-1 region capital" => PlaceClass::RegionCapital,
        "Populated place" | "" => PlaceClass::Populated,
        _ => PlaceClass::Other,
    }
}

/// An integer property clamped into a byte.
fn small(props: &Map<String, Value>, key: &str) -> u8 {
    props
        .get(key)
        .and_then(Value::as_f64)
        .map_or(0, |v| v.round().clamp(0.0, 255.0) as u8)
}

/// A zoom property in tenths, clamped into a byte (25.5 at most).
fn tenths(props: &Map<String, Value>, key: &str) -> u8 {
    props
        .get(key)
        .and_then(Value::as_f64)
        .map_or(0, |v| (v * 10.0).round().clamp(0.0, 255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn place() {
        let p = props(serde_json::json!({
            "name": "Vladivostok", "name_ru": "Владивосток", "adm0_a3": "RUS",
            "featurecla": "Admin-1 capital", "scalerank": 3, "rank_max": 11, "min_zoom": 5.0
        }));
        let (a, s) = attributes(LayerKind::Places, &p);
        assert_eq!(s, vec!["Vladivostok", "Владивосток", "RUS"]);
        assert_eq!(
            (a.scalerank, a.min_zoom_x10, a.class, a.extra),
            (3, 50, PlaceClass::RegionCapital as u8, 11)
        );
    }

    #[test]
    fn boundaries_and_rails() {
        let b = |kind: &str, cla: &str| {
            attributes(
                LayerKind::Boundaries,
                &props(serde_json::json!({"kind": kind, "featurecla": cla})),
            )
            .0
            .class
        };
        assert_eq!(
            b("land", "International boundary (verify)"),
            BoundaryClass::Land as u8
        );
        assert_eq!(
            b("land", "Indefinite (please verify)"),
            BoundaryClass::Indefinite as u8
        );
        assert_eq!(b("disputed", "Claim"), BoundaryClass::Disputed as u8);
        assert_eq!(
            b("maritime", "Marine Indicator Median"),
            BoundaryClass::Maritime as u8
        );
        let (r, _) = attributes(
            LayerKind::Railroads,
            &props(
                serde_json::json!({"featurecla": "Railroad ferry", "mult_track": 2, "electric": 1, "scalerank": 4}),
            ),
        );
        assert_eq!(
            (r.class, r.extra, r.scalerank),
            (RailClass::Ferry as u8, 2 | 1 << 2, 4)
        );
    }

    #[test]
    fn malformed_values_are_zero() {
        let (a, s) = attributes(
            LayerKind::Ports,
            &props(serde_json::json!({"scalerank": "x", "min_zoom": -3, "name": 5})),
        );
        assert_eq!((a.scalerank, a.min_zoom_x10), (0, 0));
        assert_eq!(s, vec![String::new()]);
    }
}
