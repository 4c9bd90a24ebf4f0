//! Image overlays: pictures laid on the map at a place (KML GroundOverlay: a scanned chart, an
//! annotated satellite crop) or pinned to a corner of the view (KML ScreenOverlay: a legend, a
//! logo). Plain data; the scene says where their pixels go, the window and the export draw them.

use std::fmt;
use std::sync::Arc;

use geo::Coord;

/// One overlay, as read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Overlay {
    pub name: String,
    pub description: Option<String>,
    /// The image link as the file wrote it (`files/chart.png`, `https://…/logo.png`).
    pub href: String,
    /// The picture; `None` when it could not be loaded (missing, remote while offline,
    /// undecodable). The overlay is kept, so it is listed and written back.
    pub image: Option<Arc<OverlayImage>>,
    /// 0..=1, from the alpha of KML's `<color>`.
    pub opacity: f32,
    /// Higher draws on top (KML `drawOrder`).
    pub draw_order: i32,
    /// Folders around it, as features have them (`Charts/1998`).
    pub folder: Option<String>,
    pub placement: Placement,
}

/// Where an overlay's picture goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// A box of latitudes and longitudes (the picture is plate carrée, rows even in latitude),
    /// turned `rotation` degrees counter-clockwise about its centre. `east < west` crosses
    /// the antimeridian.
    Box { north: f64, south: f64, east: f64, west: f64, rotation: f64 },
    /// The picture's corners, lower-left, lower-right, upper-right, upper-left (gx:LatLonQuad),
    /// as lon/lat degrees.
    Quad([Coord<f64>; 4]),
    /// Pinned to the view: the point `overlay_xy` of the picture goes to the point
    /// `screen_xy` of the view, at `size` (KML ScreenOverlay; y counts from the bottom).
    Screen { overlay_xy: ScreenPoint, screen_xy: ScreenPoint, size: ScreenSize },
}

/// How a [`ScreenPoint`] or [`ScreenSize`] coordinate counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Units {
    /// Of the width or height (0..1).
    #[default]
    Fraction,
    /// Pixels from the left or bottom.
    Pixels,
    /// Pixels from the right or top.
    InsetPixels,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScreenPoint {
    pub x: f64,
    pub y: f64,
    pub x_units: Units,
    pub y_units: Units,
}

/// `-1` keeps the picture's own size on that axis, `0` keeps its aspect from the other axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenSize {
    pub x: f64,
    pub y: f64,
    pub x_units: Units,
    pub y_units: Units,
}

impl Default for ScreenSize {
    fn default() -> Self {
        Self { x: -1.0, y: -1.0, x_units: Units::Fraction, y_units: Units::Fraction }
    }
}

impl ScreenPoint {
    /// The point in pixels of a `w × h` area, from its top-left corner (y down).
    pub fn in_area(&self, w: f64, h: f64) -> [f64; 2] {
        let along = |v: f64, units: Units, len: f64| match units {
            Units::Fraction => v * len,
            Units::Pixels => v,
            Units::InsetPixels => len - v,
        };
        [along(self.x, self.x_units, w), h - along(self.y, self.y_units, h)]
    }
}

impl ScreenSize {
    /// The drawn size of a `native` picture in a `w × h` view, in pixels. `px_scale` turns
    /// the file's pixels into view pixels (an export at 2x draws a 100-pixel logo 200 wide).
    pub fn resolve(&self, native: [f64; 2], view: [f64; 2], px_scale: f64) -> [f64; 2] {
        let axis = |v: f64, units: Units, len: f64, own: f64| -> Option<f64> {
            if v < 0.0 {
                return Some(own * px_scale);
            }
            if v == 0.0 {
                return None;
            }
            Some(match units {
                Units::Fraction => v * len,
                Units::Pixels => v * px_scale,
                Units::InsetPixels => (len - v * px_scale).max(1.0),
            })
        };
        let x = axis(self.x, self.x_units, view[0], native[0]);
        let y = axis(self.y, self.y_units, view[1], native[1]);
        let aspect = if native[1] > 0.0 { native[0] / native[1] } else { 1.0 };
        match (x, y) {
            (Some(x), Some(y)) => [x, y],
            (Some(x), None) => [x, x / aspect],
            (None, Some(y)) => [y * aspect, y],
            (None, None) => [native[0] * px_scale, native[1] * px_scale],
        }
    }
}

/// A decoded picture: straight (not premultiplied) RGBA, row by row from the top.
#[derive(PartialEq)]
pub struct OverlayImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// The file's own bytes (PNG, JPEG), kept so a KMZ save writes the picture as it came.
    pub encoded: Arc<[u8]>,
    /// The size of the original when it was scaled down to fit the limits.
    pub original_size: Option<[u32; 2]>,
}

impl OverlayImage {
    /// The picture's size as the file has it (before any scaling down), in pixels.
    pub fn native_size(&self) -> [f64; 2] {
        let [w, h] = self.original_size.unwrap_or([self.width, self.height]);
        [f64::from(w), f64::from(h)]
    }
}

impl fmt::Debug for OverlayImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OverlayImage({}×{}, {} encoded bytes)", self.width, self.height, self.encoded.len())
    }
}

impl Overlay {
    /// Pinned to the view rather than to a place.
    pub fn is_screen(&self) -> bool {
        matches!(self.placement, Placement::Screen { .. })
    }

    /// The corners of the placed picture in lon/lat degrees (lower-left, lower-right,
    /// upper-right, upper-left), before any rotation; `None` for screen overlays.
    pub fn corners(&self) -> Option<[Coord<f64>; 4]> {
        match self.placement {
            Placement::Box { north, south, east, west, .. } => {
                let east = if east < west { east + 360.0 } else { east };
                Some([
                    Coord { x: west, y: south },
                    Coord { x: east, y: south },
                    Coord { x: east, y: north },
                    Coord { x: west, y: north },
                ])
            }
            Placement::Quad(q) => Some(q),
            Placement::Screen { .. } => None,
        }
    }

    /// Where the point `(u, v)` of the picture goes, in world units (Web Mercator, y down):
    /// `u` from its left edge, `v` from its top, both 0..1. Rows of a box are even in
    /// latitude, a rotation turns the box in the plane of the map about its centre, and a
    /// quad is interpolated between its corners in degrees. `None` for screen overlays.
    pub fn world_at(&self, u: f64, v: f64) -> Option<[f64; 2]> {
        use crate::projection::world_from_lonlat;
        let [ll, lr, ur, ul] = self.corners()?;
        let lerp = |a: Coord<f64>, b: Coord<f64>, t: f64| Coord { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
        let p = lerp(lerp(ul, ur, u), lerp(ll, lr, u), v);
        let (x, y) = world_from_lonlat(p.x, p.y);
        let rotation = match self.placement {
            Placement::Box { rotation, .. } => rotation,
            _ => 0.0,
        };
        if rotation == 0.0 {
            return Some([x, y]);
        }
        let (cx, cy) = world_from_lonlat((ll.x + ur.x) / 2.0, (ll.y + ur.y) / 2.0);
        let (sin, cos) = rotation.to_radians().sin_cos();
        let (dx, dy) = (x - cx, y - cy);
        // World y points down, so counter-clockwise on the map is clockwise in world units.
        Some([cx + dx * cos + dy * sin, cy - dx * sin + dy * cos])
    }

    /// The lon/lat bounding box of the placed picture (rotation included), for fitting the
    /// view; `None` for screen overlays.
    pub fn extent(&self) -> Option<geo::Rect<f64>> {
        let corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)].map(|(u, v)| self.world_at(u, v));
        let (mut min, mut max) = (Coord { x: f64::INFINITY, y: f64::INFINITY }, Coord { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY });
        for [x, y] in corners.into_iter().flatten() {
            let (lon, lat) = crate::projection::lonlat_from_world(x, y);
            min = Coord { x: min.x.min(lon), y: min.y.min(lat) };
            max = Coord { x: max.x.max(lon), y: max.y.max(lat) };
        }
        (min.x <= max.x && min.y <= max.y).then(|| geo::Rect::new(min, max))
    }
}
