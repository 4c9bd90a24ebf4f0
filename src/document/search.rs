//! Search across the open layers: sites, routes, vessels, events and sources, by name, any
//! alternative name (any script), id, or words of a title.

use super::OpenLayer;
use super::selection::Selection;
use crate::model::FeatureRef;

pub struct Hit {
    pub label: String,
    pub kind: &'static str,
    pub selection: Selection,
    score: u8,
}

/// At most this many results are listed.
pub const MAX_HITS: usize = 12;

/// Every query word must appear in the haystack; exact name matches rank first.
fn score(query_words: &[String], names: &[&str], extra: &[&str]) -> Option<u8> {
    let names_l: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let query = query_words.join(" ");
    if names_l.contains(&query) {
        return Some(3);
    }
    if names_l.iter().any(|n| n.starts_with(&query)) {
        return Some(2);
    }
    let hay = names_l.join(" ") + " " + &extra.iter().map(|e| e.to_lowercase()).collect::<Vec<_>>().join(" ");
    query_words.iter().all(|w| hay.contains(w.as_str())).then_some(1)
}

pub fn search(layers: &[OpenLayer], query: &str) -> Vec<Hit> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (li, l) in layers.iter().enumerate() {
        for (fi, f) in l.layer.features.iter().enumerate() {
            let mut names: Vec<&str> = f.name().into_iter().collect();
            names.extend(f.list_prop("alt_names"));
            let key = f.key();
            let extra: Vec<&str> = key.iter().map(String::as_str).chain(f.str_prop("description")).collect();
            if let Some(score) = score(&words, &names, &extra) {
                let label = f.name().map(str::to_owned).or(key.clone()).unwrap_or_else(|| format!("feature {fi}"));
                let kind = match f.kind() {
                    crate::model::FeatureKind::Site => "site",
                    crate::model::FeatureKind::SeaRoute => "sea route",
                    crate::model::FeatureKind::RailCorridor => "rail corridor",
                    crate::model::FeatureKind::Area => "area",
                    crate::model::FeatureKind::Other(_) => "feature",
                };
                hits.push(Hit { label, kind, selection: Selection::Feature(FeatureRef { layer: li, feature: fi }), score });
            }
        }
        let Some(case) = &l.layer.case else { continue };
        for v in &case.vessels {
            let mut names = vec![v.name.as_str()];
            names.extend(v.alt_names.iter().map(String::as_str));
            let extra = [v.id.as_str(), v.imo.as_deref().unwrap_or(""), v.mmsi.as_deref().unwrap_or("")];
            if let Some(score) = score(&words, &names, &extra) {
                hits.push(Hit { label: v.name.clone(), kind: "vessel", selection: Selection::Vessel { layer: li, id: v.id.clone() }, score });
            }
        }
        for e in &case.events {
            if let Some(score) = score(&words, &[e.title.as_str()], &[e.id.as_str(), e.summary.as_str()]) {
                let label = format!("{} {}", e.date_start, e.title);
                hits.push(Hit { label, kind: "event", selection: Selection::Event { layer: li, id: e.id.clone() }, score });
            }
        }
        for s in &case.sources {
            if let Some(score) = score(&words, &[s.title.as_str()], &[s.id.as_str(), s.publisher.as_str()]) {
                let label = format!("{}: {}", s.publisher, s.title);
                hits.push(Hit { label, kind: "source", selection: Selection::Source { layer: li, id: s.id.clone() }, score });
            }
        }
    }
    // Sites and vessels before events and sources at equal score.
    hits.sort_by_key(|h| (std::cmp::Reverse(h.score), !matches!(h.kind, "site" | "vessel")));
    hits.truncate(MAX_HITS);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<OpenLayer> {
        let loaded = crate::io::sample_case();
        vec![OpenLayer::new(loaded, None)]
    }

    fn first(layers: &[OpenLayer], q: &str) -> Option<Selection> {
        search(layers, q).into_iter().next().map(|h| h.selection)
    }

    #[test]
    fn every_name_of_rajin_finds_the_port() {
        let layers = sample();
        let rajin = Selection::Feature(super::super::selection::feature_ref(&layers, 0, "site_rajin_port").unwrap());
        for q in ["Rajin", "najin", "라진항", "Раджин", "site_rajin_port"] {
            assert_eq!(first(&layers, q), Some(rajin.clone()), "{q}");
        }
    }

    #[test]
    fn vessels_events_and_sources_are_found() {
        let layers = sample();
        assert_eq!(first(&layers, "Lady R"), Some(Selection::Vessel { layer: 0, id: "ves_lady_r".into() }));
        assert_eq!(first(&layers, "9179842"), Some(Selection::Vessel { layer: 0, id: "ves_angara".into() }));
        assert!(search(&layers, "orient express").iter().any(|h| h.kind == "source"));
        assert!(search(&layers, "zzzz-nothing").is_empty());
    }
}
