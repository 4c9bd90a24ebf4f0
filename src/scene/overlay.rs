//! Where an overlay's pixels go on the screen or the page: a mesh of the picture for a
//! GroundOverlay (a grid, so that rows even in latitude bend as Web Mercator bends them, and a
//! quad or a rotation lands where the file says), a rectangle for a ScreenOverlay. The window
//! textures these meshes; the export paints the same triangles.

use super::{Px, ScreenTransform};
use crate::model::Overlay;
use crate::model::overlay::Placement;

/// Triangles of a picture: screen positions, picture coordinates (0..1, v down) and indices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mesh {
    pub positions: Vec<Px>,
    pub uvs: Vec<[f32; 2]>,
    pub indices: Vec<u32>,
}

impl Mesh {
    /// The smallest box around the positions: `(min, max)`.
    pub fn bounds(&self) -> (Px, Px) {
        let (mut min, mut max) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        for p in &self.positions {
            for k in 0..2 {
                min[k] = min[k].min(p[k]);
                max[k] = max[k].max(p[k]);
            }
        }
        (min, max)
    }
}

/// Grid cells per side of a placed picture: enough for the bend of Mercator over a few
/// degrees of latitude to stay under a pixel on a full-screen overlay.
pub const CELLS: u32 = 16;

/// The picture of a ground overlay on the screen; `None` for screen overlays, or when it
/// lies wholly outside the `size` of the view.
pub fn ground_mesh(o: &Overlay, t: &ScreenTransform, size: [f32; 2]) -> Option<Mesh> {
    let n = CELLS;
    let mut mesh = Mesh::default();
    for j in 0..=n {
        for i in 0..=n {
            let (u, v) = (f64::from(i) / f64::from(n), f64::from(j) / f64::from(n));
            let p = t.screen_from_world(o.world_at(u, v)?);
            mesh.positions.push(p);
            mesh.uvs.push([u as f32, v as f32]);
        }
    }
    let (min, max) = mesh.bounds();
    if max[0] < 0.0 || max[1] < 0.0 || min[0] > size[0] || min[1] > size[1] {
        return None;
    }
    for j in 0..n {
        for i in 0..n {
            let a = j * (n + 1) + i;
            let (b, c, d) = (a + 1, a + n + 1, a + n + 2);
            mesh.indices.extend_from_slice(&[a, b, d, a, d, c]);
        }
    }
    Some(mesh)
}

/// Where a screen overlay's picture goes in a view of `size` pixels: `[x, y, w, h]` from the
/// top-left corner. `px_scale` turns the file's pixels into view pixels.
pub fn screen_rect(o: &Overlay, native: [f64; 2], size: [f32; 2], px_scale: f64) -> Option<[f32; 4]> {
    let Placement::Screen { overlay_xy, screen_xy, size: wanted } = &o.placement else { return None };
    let view = [f64::from(size[0]), f64::from(size[1])];
    let [w, h] = wanted.resolve(native, view, px_scale);
    // The picture's own point, in its drawn size, from its top-left corner.
    let [ox, oy] = overlay_xy.in_area(w, h);
    let [sx, sy] = screen_xy.in_area(view[0], view[1]);
    Some([(sx - ox) as f32, (sy - oy) as f32, w as f32, h as f32])
}

/// A rectangle as a mesh of two triangles.
pub fn rect_mesh([x, y, w, h]: [f32; 4]) -> Mesh {
    Mesh {
        positions: vec![[x, y], [x + w, y], [x, y + h], [x + w, y + h]],
        uvs: vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        indices: vec![0, 1, 3, 0, 3, 2],
    }
}

/// The overlays of a layer in paint order (KML `drawOrder`, then file order), with their
/// index in the layer, leaving out those `hidden` and those without a picture.
pub fn in_paint_order<'a>(overlays: &'a [Overlay], hidden: &'a impl Fn(usize) -> bool) -> Vec<(usize, &'a Overlay)> {
    let mut out: Vec<(usize, &Overlay)> = overlays.iter().enumerate().filter(|(i, o)| o.image.is_some() && !hidden(*i)).collect();
    out.sort_by_key(|(i, o)| (o.draw_order, *i));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::overlay::{ScreenPoint, ScreenSize, Units};

    fn ground(placement: Placement) -> Overlay {
        Overlay { name: String::new(), description: None, href: String::new(), image: None, opacity: 1.0, draw_order: 0, folder: None, placement }
    }

    #[test]
    fn box_corners_land_on_their_longitudes_and_latitudes() {
        let o = ground(Placement::Box { north: 43.0, south: 42.0, east: 131.0, west: 130.0, rotation: 0.0 });
        let t = ScreenTransform { world_origin: [0.86, 0.37], px_per_world: 256.0 * 1024.0 };
        let m = ground_mesh(&o, &t, [4000.0, 4000.0]).unwrap();
        let first = m.positions[0];
        let last = *m.positions.last().unwrap();
        let nw = t.screen_from_lonlat(130.0, 43.0);
        let se = t.screen_from_lonlat(131.0, 42.0);
        assert!((first[0] - nw[0]).abs() < 0.01 && (first[1] - nw[1]).abs() < 0.01);
        assert!((last[0] - se[0]).abs() < 0.01 && (last[1] - se[1]).abs() < 0.01);
        assert_eq!(m.indices.len() as u32, CELLS * CELLS * 6);
        // The middle row is the middle latitude, not the middle of the Mercator span.
        let mid = m.positions[((CELLS / 2) * (CELLS + 1)) as usize];
        assert!((mid[1] - t.screen_from_lonlat(130.0, 42.5)[1]).abs() < 0.01);
    }

    #[test]
    fn a_quarter_turn_swaps_the_sides() {
        let o = ground(Placement::Box { north: 1.0, south: -1.0, east: 2.0, west: -2.0, rotation: 90.0 });
        let e = o.extent().unwrap();
        // 4° wide and 2° tall turned a quarter: about 2° wide and 4° tall.
        assert!((e.width() - 2.0).abs() < 0.01, "{e:?}");
        assert!((e.height() - 4.0).abs() < 0.02, "{e:?}");
        // Counter-clockwise: the top-left corner of the picture goes to the bottom-left.
        let [x, y] = o.world_at(0.0, 0.0).unwrap();
        let (lon, lat) = crate::projection::lonlat_from_world(x, y);
        assert!(lon < -0.9 && lat < -1.9, "{lon} {lat}");
    }

    #[test]
    fn screen_overlay_in_the_lower_left_corner() {
        let o = ground(Placement::Screen {
            overlay_xy: ScreenPoint { x: 0.0, y: 0.0, x_units: Units::Fraction, y_units: Units::Fraction },
            screen_xy: ScreenPoint { x: 10.0, y: 20.0, x_units: Units::Pixels, y_units: Units::Pixels },
            size: ScreenSize::default(),
        });
        let r = screen_rect(&o, [100.0, 50.0], [800.0, 600.0], 2.0).unwrap();
        assert_eq!(r, [10.0, 600.0 - 20.0 - 100.0, 200.0, 100.0]);
    }
}
