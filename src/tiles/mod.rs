//! Where map tiles come from, apart from the window: online XYZ servers with a disk cache,
//! and raster tiles of large layers.
//!
//! The offline basemap renders its own tiles (`crate::basemap`); this module fetches tiles from
//! OpenStreetMap or any XYZ template the user enters, and says when the network fails so the
//! UI can fall back to the offline basemap with a notice. `layer` draws the tiles of layers
//! too large to tessellate every frame.

pub mod layer;
mod online;

pub use online::{TileError, TileFetcher, XyzSource, default_cache_dir, user_agent};
