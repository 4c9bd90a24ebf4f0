//! What the user has selected, and where they have been: back and forward, like a browser.

use super::OpenLayer;
use crate::model::{Case, FeatureRef};

/// One thing the side panel can show. Vessels, sources and events live in a case layer's
/// evidence, so they are named by layer and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Feature(FeatureRef),
    Vessel { layer: usize, id: String },
    Source { layer: usize, id: String },
    Event { layer: usize, id: String },
}

/// Selections in the order they were made; `pos` is the current one.
#[derive(Default)]
pub struct History {
    items: Vec<Selection>,
    pos: Option<usize>,
}

impl History {
    pub fn current(&self) -> Option<&Selection> {
        self.items.get(self.pos?)
    }

    /// Selects something new; what was ahead of the current entry is dropped.
    pub fn select(&mut self, s: Selection) {
        if self.current() == Some(&s) {
            return;
        }
        let keep = self.pos.map_or(0, |p| p + 1);
        self.items.truncate(keep);
        self.items.push(s);
        self.pos = Some(self.items.len() - 1);
    }

    /// Clears the selection (kept in history, so Back returns to it).
    pub fn clear(&mut self) {
        if let Some(p) = self.pos {
            self.items.truncate(p + 1);
            self.pos = None;
        }
    }

    pub fn can_back(&self) -> bool {
        match self.pos {
            Some(p) => p > 0,
            None => !self.items.is_empty(),
        }
    }

    pub fn can_forward(&self) -> bool {
        self.pos.is_some_and(|p| p + 1 < self.items.len())
    }

    pub fn back(&mut self) {
        self.pos = match self.pos {
            Some(p) if p > 0 => Some(p - 1),
            None if !self.items.is_empty() => Some(self.items.len() - 1),
            other => other,
        };
    }

    pub fn forward(&mut self) {
        if self.can_forward() {
            self.pos = self.pos.map(|p| p + 1);
        }
    }

    /// Keeps the entries on the same items after the data changed: `f` gives each entry's new
    /// form, or `None` when its item is gone.
    pub fn retain_map(&mut self, mut f: impl FnMut(Selection) -> Option<Selection>) {
        let current = self.pos;
        let mut kept = Vec::with_capacity(self.items.len());
        let mut pos = None;
        for (i, s) in std::mem::take(&mut self.items).into_iter().enumerate() {
            if let Some(s) = f(s) {
                if kept.last() != Some(&s) {
                    kept.push(s);
                }
                if current == Some(i) {
                    pos = Some(kept.len() - 1);
                }
            }
        }
        self.items = kept;
        self.pos = pos;
    }
}

impl Selection {
    pub fn layer(&self) -> usize {
        match self {
            Selection::Feature(at) => at.layer,
            Selection::Vessel { layer, .. } | Selection::Source { layer, .. } | Selection::Event { layer, .. } => *layer,
        }
    }

    fn with_layer(mut self, new: usize) -> Selection {
        match &mut self {
            Selection::Feature(at) => at.layer = new,
            Selection::Vessel { layer, .. } | Selection::Source { layer, .. } | Selection::Event { layer, .. } => *layer = new,
        }
        self
    }

    /// After layer `removed` was closed.
    pub fn on_layer_removed(self, removed: usize) -> Option<Selection> {
        let l = self.layer();
        match l.cmp(&removed) {
            std::cmp::Ordering::Less => Some(self),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(self.with_layer(l - 1)),
        }
    }

    /// After layers `a` and `b` changed places.
    pub fn on_layers_swapped(self, a: usize, b: usize) -> Selection {
        match self.layer() {
            l if l == a => self.with_layer(b),
            l if l == b => self.with_layer(a),
            _ => self,
        }
    }

    /// After a feature was inserted at `at` in `layer`: the features after it moved up.
    pub fn on_feature_inserted(self, layer: usize, at: usize) -> Selection {
        match self {
            Selection::Feature(mut r) if r.layer == layer && r.feature >= at => {
                r.feature += 1;
                Selection::Feature(r)
            }
            s => s,
        }
    }

    /// After the feature at `at` in `layer` was removed.
    pub fn on_feature_removed(self, layer: usize, at: usize) -> Option<Selection> {
        match self {
            Selection::Feature(r) if r.layer == layer && r.feature == at => None,
            Selection::Feature(mut r) if r.layer == layer && r.feature > at => {
                r.feature -= 1;
                Some(Selection::Feature(r))
            }
            s => Some(s),
        }
    }

    /// After `layer` was replaced as a whole and now has `features` features.
    pub fn on_layer_replaced(self, layer: usize, features: usize) -> Option<Selection> {
        match self {
            Selection::Feature(r) if r.layer == layer && r.feature >= features => None,
            s => Some(s),
        }
    }
}

/// The case of a layer, if it is a case file.
pub fn case_of(layers: &[OpenLayer], layer: usize) -> Option<&Case> {
    layers.get(layer)?.layer.case.as_ref()
}

/// The features to highlight on the map for a selection: the feature itself; a vessel's routes;
/// everything a source supports; an event's sites.
pub fn highlighted(layers: &[OpenLayer], s: &Selection) -> Vec<FeatureRef> {
    let features_where = |layer: usize, pred: &dyn Fn(&crate::model::Feature) -> bool| -> Vec<FeatureRef> {
        layers.get(layer).map_or(Vec::new(), |l| {
            l.layer.features.iter().enumerate().filter(|(_, f)| pred(f)).map(|(i, _)| FeatureRef { layer, feature: i }).collect()
        })
    };
    match s {
        Selection::Feature(at) => vec![*at],
        Selection::Vessel { layer, id } => features_where(*layer, &|f| f.list_prop("vessel_ids").contains(&id.as_str())),
        Selection::Source { layer, id } => {
            let event_sites: Vec<String> = case_of(layers, *layer)
                .map(|c| c.events.iter().filter(|e| e.source_ids.contains(id)).flat_map(|e| e.site_ids.clone()).collect())
                .unwrap_or_default();
            features_where(*layer, &|f| {
                f.list_prop("source_ids").contains(&id.as_str())
                    || f.list_prop("coord_source_ids").contains(&id.as_str())
                    || f.key().is_some_and(|k| event_sites.contains(&k))
            })
        }
        Selection::Event { layer, id } => {
            let sites: Vec<String> = case_of(layers, *layer).and_then(|c| c.event(id)).map(|e| e.site_ids.clone()).unwrap_or_default();
            features_where(*layer, &|f| f.key().is_some_and(|k| sites.contains(&k)))
        }
    }
}

/// The feature of a layer with this id.
pub fn feature_ref(layers: &[OpenLayer], layer: usize, key: &str) -> Option<FeatureRef> {
    let feature = layers.get(layer)?.layer.features.iter().position(|f| f.key().as_deref() == Some(key))?;
    Some(FeatureRef { layer, feature })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(i: usize) -> Selection {
        Selection::Feature(FeatureRef { layer: 0, feature: i })
    }

    #[test]
    fn back_and_forward_walk_the_history() {
        let mut h = History::default();
        assert!(!h.can_back());
        h.select(f(1));
        h.select(f(2));
        h.select(f(3));
        h.back();
        h.back();
        assert_eq!(h.current(), Some(&f(1)));
        h.forward();
        assert_eq!(h.current(), Some(&f(2)));
        // A new selection drops what was ahead.
        h.select(f(9));
        assert!(!h.can_forward());
        h.back();
        assert_eq!(h.current(), Some(&f(2)));
        // Clearing keeps the last selection one step back.
        h.clear();
        assert_eq!(h.current(), None);
        h.back();
        assert_eq!(h.current(), Some(&f(2)));
    }
}
