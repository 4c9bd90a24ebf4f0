//! What to draw: case layers turned into styled primitives in screen pixels.
//!
//! One symbology for every backend: the egui map view paints these primitives, and the PNG
//! and SVG exports will paint the same ones. Nothing here knows about egui or files.

mod build;
pub mod cursor;
mod hit;
pub mod legend;
pub mod overlay;
pub mod style;

pub use build::{FadeFn, Highlight, LayerInput, PlaceName, Scene, Taken, build, build_features, pieces};
pub use hit::hit_test;

/// Colours are the basemap's type: one colour type for everything drawn.
pub use crate::basemap::style::Rgba;

/// A point in screen pixels (x right, y down).
pub type Px = [f32; 2];

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    pub color: Rgba,
    pub width: f32,
    /// Dash and gap lengths in pixels; `None` for a solid line.
    pub dash: Option<[f32; 2]>,
}

impl Stroke {
    pub const fn solid(color: Rgba, width: f32) -> Self {
        Self { color, width, dash: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The text starts at the anchor, vertically centred.
    Left,
    /// The text is centred on the anchor.
    Center,
    /// The text ends at the anchor, vertically centred.
    Right,
}

/// One thing to paint, in screen pixels.
#[derive(Clone, Debug, PartialEq)]
pub enum Primitive {
    Line { points: Vec<Px>, stroke: Stroke },
    /// Rings: the first is the outline, the rest are holes. Fill with the even-odd rule.
    Polygon { rings: Vec<Vec<Px>>, fill: Rgba, stroke: Option<Stroke> },
    Circle { center: Px, radius: f32, fill: Rgba, stroke: Option<Stroke> },
    /// A filled triangle, for direction arrows.
    Triangle { points: [Px; 3], fill: Rgba },
    Text { anchor: Px, align: Anchor, text: String, size: f32, color: Rgba, halo: Rgba },
}

/// Maps Web Mercator world coordinates ([0, 1]², y down) to screen pixels:
/// `screen = (world - world_origin) * px_per_world`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenTransform {
    /// The world point at the top-left corner of the screen.
    pub world_origin: [f64; 2],
    /// Pixels per world unit: 256 · 2^zoom for 256-pixel tiles.
    pub px_per_world: f64,
}

impl ScreenTransform {
    pub fn screen_from_world(&self, world: [f64; 2]) -> Px {
        [
            ((world[0] - self.world_origin[0]) * self.px_per_world) as f32,
            ((world[1] - self.world_origin[1]) * self.px_per_world) as f32,
        ]
    }

    pub fn world_from_screen(&self, px: Px) -> [f64; 2] {
        [
            self.world_origin[0] + px[0] as f64 / self.px_per_world,
            self.world_origin[1] + px[1] as f64 / self.px_per_world,
        ]
    }

    /// The same view with the world drawn `k` worlds further east: the copy of the world a
    /// view sees past the antimeridian (`k` = 1 east of it, −1 west of it).
    pub fn shifted(&self, k: i32) -> ScreenTransform {
        ScreenTransform { world_origin: [self.world_origin[0] - f64::from(k), self.world_origin[1]], ..*self }
    }

    pub fn screen_from_lonlat(&self, lon: f64, lat: f64) -> Px {
        let (x, y) = crate::projection::world_from_lonlat(lon, lat);
        self.screen_from_world([x, y])
    }

    pub fn lonlat_from_screen(&self, px: Px) -> (f64, f64) {
        let [x, y] = self.world_from_screen(px);
        crate::projection::lonlat_from_world(x, y)
    }

    /// Pixels per metre of ground distance at a latitude.
    pub fn px_per_metre(&self, lat: f64) -> f64 {
        self.px_per_world / (EARTH_CIRCUMFERENCE_M * lat.to_radians().cos())
    }
}

/// Equatorial circumference of the WGS84 ellipsoid, the length of one Web Mercator world unit.
pub const EARTH_CIRCUMFERENCE_M: f64 = 40_075_016.686;
