//! Portolan: a desktop map viewer for logistics investigations.
//!
//! The library holds everything that does not need a window: the data model, the file readers
//! and writers with their diagnostics. The binary (`main.rs`) adds the command line and the
//! egui front end. See `ARCHITECTURE.md` for the code map.

pub mod ais;
pub mod basemap;
pub mod db;
pub mod export;
pub mod fonts;
pub mod imagery;
pub mod document;
pub mod index;
pub mod io;
pub mod model;
pub mod painter;
pub mod projection;
pub mod scene;
pub mod tiles;
#[cfg(feature = "gui")]
pub mod ui;
