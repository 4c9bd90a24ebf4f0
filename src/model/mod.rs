//! Plain data: layers of features with f64 geometry, and the evidence of a case.
//!
//! No I/O and no GUI here. Readers in `io` build these values; the map, the side panel and the
//! export read them.

mod case;
mod feature;
pub mod merge;
pub mod overlay;
mod properties;
pub mod time;

pub use case::{Case, Event, Figure, Source, Vessel};
pub use feature::{Feature, FeatureId, FeatureKind, FeatureRef, Layer};
pub use overlay::{Overlay, OverlayImage};
pub use properties::Properties;
