//! Where map tiles come from, apart from the window: online XYZ servers with a disk cache.
//!
//! The offline basemap renders its own tiles (`crate::basemap`); this module fetches tiles from
//! OpenStreetMap or any XYZ template the user enters, and says when the network fails so the
//! UI can fall back to the offline basemap with a notice.

mod online;

pub use online::{TileError, TileFetcher, XyzSource, default_cache_dir, user_agent};
