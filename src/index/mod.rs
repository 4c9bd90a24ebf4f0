//! Spatial questions about the data: for now, geodesic measurement.

pub mod measure;
