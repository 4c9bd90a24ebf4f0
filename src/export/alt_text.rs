//! The alt text of a map: a plain description for screen readers and accessible publishing
//! (`map.png.txt` beside every export): what the map shows, where, when, and on whose
//! evidence. Written from what is on the page, not from the whole file, so that it describes
//! this picture.

use std::fmt::Write;

use crate::model::time::DateRange;
use crate::projection::{WorldRect, lonlat_from_world};

/// What the page shows, gathered by the layout.
pub struct Shown<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// The legend's entries (kinds and styles in view).
    pub legend: &'a [String],
    /// Named features in view, most important first.
    pub names: &'a [String],
    /// How many features are in view.
    pub features: usize,
    pub view: WorldRect,
    /// The time range shown: the export's filter, or the span of the dated features in view.
    pub period: Option<DateRange>,
    /// The filter is the user's (the map shows only this period), not the data's span.
    pub filtered: bool,
    pub source: &'a str,
    pub credit: &'a str,
    pub attribution: &'a [String],
}

/// The alt text, in a few short paragraphs.
pub fn write(s: &Shown) -> String {
    let mut out = String::new();
    let title = s.title.trim();
    if title.is_empty() {
        out.push_str("Map.");
    } else {
        let _ = write!(out, "Map: {}.", title.trim_end_matches('.'));
    }
    if !s.subtitle.trim().is_empty() {
        let _ = write!(out, " {}", sentence(s.subtitle));
    }
    out.push_str("\n\n");
    let _ = write!(out, "It shows {}", count(s.features, "feature"));
    if !s.legend.is_empty() {
        let _ = write!(out, " ({})", s.legend.join("; "));
    }
    let [west, south, east, north] = extent(&s.view);
    let _ = write!(out, " in the area from {} to {} and from {} to {}.", lat(south), lat(north), lon(west), lon(east));
    if !s.names.is_empty() {
        const MAX_NAMES: usize = 12;
        let shown: Vec<&str> = s.names.iter().take(MAX_NAMES).map(String::as_str).collect();
        let more = s.names.len().saturating_sub(MAX_NAMES);
        let _ = write!(out, " Labelled: {}", shown.join(", "));
        if more > 0 {
            let _ = write!(out, " and {} more", more);
        }
        out.push('.');
    }
    if let Some(p) = &s.period {
        let when = super::layout::human_range(p);
        if s.filtered {
            let _ = write!(out, " Only what was known or happening in {when} is shown.");
        } else {
            let _ = write!(out, " The dated features span {when}.");
        }
    }
    out.push_str("\n\n");
    if !s.source.trim().is_empty() {
        let _ = writeln!(out, "{}", sentence(s.source));
    }
    if !s.credit.trim().is_empty() {
        let _ = writeln!(out, "{}", sentence(s.credit));
    }
    if !s.attribution.is_empty() {
        let _ = writeln!(out, "Basemap: {}.", s.attribution.join("; ").trim_end_matches('.'));
    }
    out
}

/// The view's west, south, east and north in degrees, longitudes in −180..180.
fn extent(view: &WorldRect) -> [f64; 4] {
    let (west, north) = lonlat_from_world(view.min[0], view.min[1]);
    let (east, south) = lonlat_from_world(view.max[0], view.max[1]);
    let wrap = |lon: f64| (lon + 180.0).rem_euclid(360.0) - 180.0;
    [wrap(west), south, wrap(east), north]
}

fn lat(v: f64) -> String {
    format!("{:.1}° {}", v.abs(), if v >= 0.0 { "N" } else { "S" })
}

fn lon(v: f64) -> String {
    format!("{:.1}° {}", v.abs(), if v >= 0.0 { "E" } else { "W" })
}

fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// Text ending in a full stop.
fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) { s.to_owned() } else { format!("{s}.") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::world_from_lonlat;

    #[test]
    fn describes_what_where_when_and_whose() {
        let (x0, y1) = world_from_lonlat(129.0, 41.5);
        let (x1, y0) = world_from_lonlat(133.5, 44.0);
        let legend = ["Site".to_owned(), "Sea route, AIS off".to_owned()];
        let names = ["Rajin (Najin) port".to_owned(), "Dunai (Dunay) naval port facility".to_owned()];
        let attribution = ["Made with Natural Earth".to_owned()];
        let text = write(&Shown {
            title: "Munitions by sea",
            subtitle: "From Rajin to Dunai",
            legend: &legend,
            names: &names,
            features: 9,
            view: WorldRect { min: [x0, y0], max: [x1, y1] },
            period: DateRange::parse("2023-09/2023-10"),
            filtered: true,
            source: "Sources: CSIS Beyond Parallel",
            credit: "",
            attribution: &attribution,
        });
        assert!(text.starts_with("Map: Munitions by sea. From Rajin to Dunai.\n\nIt shows 9 features (Site; Sea route, AIS off)"), "{text}");
        assert!(text.contains("from 41.5° N to 44.0° N and from 129.0° E to 133.5° E"), "{text}");
        assert!(text.contains("Labelled: Rajin (Najin) port, Dunai (Dunay) naval port facility."), "{text}");
        assert!(text.contains("Only what was known or happening in"), "{text}");
        assert!(text.contains("Sources: CSIS Beyond Parallel.\nBasemap: Made with Natural Earth."), "{text}");
    }
}
