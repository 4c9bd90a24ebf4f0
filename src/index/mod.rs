//! Spatial questions about the data: what is in a view or under the pointer (an R-tree of
//! each layer's pieces), and geodesic measurement.

pub mod measure;
pub mod spatial;

pub use spatial::{Hit, LayerIndex, Part, Piece, drawn_x_range, part, parts};
