//! Paints scene primitives with egui.

use egui::epaint::{Mesh, PathShape, PathStroke};
use egui::{Align2, Color32, FontId, Pos2, Shape, Vec2, pos2};
use geo::TriangulateEarcut;

use crate::scene::{Anchor, Primitive, Px, Rgba, Scene, Stroke};

pub fn color(c: Rgba) -> Color32 {
    let [r, g, b, a] = c.0;
    Color32::from_rgba_unmultiplied(r, g, b, a)
}

fn stroke(s: Stroke) -> egui::Stroke {
    egui::Stroke::new(s.width, color(s.color))
}

/// Paints the scene with its pixel origin at `origin` (the map's top-left corner).
pub fn paint_scene(painter: &egui::Painter, scene: &Scene, origin: Pos2) {
    for prim in scene.background.iter().chain(scene.items.iter().map(|(_, p)| p)) {
        paint_primitive(painter, prim, origin);
    }
}

pub fn paint_primitive(painter: &egui::Painter, prim: &Primitive, origin: Pos2) {
    let at = |p: Px| pos2(origin.x + p[0], origin.y + p[1]);
    {
        match prim {
            Primitive::Line { points, stroke: s } => {
                let pts: Vec<Pos2> = points.iter().map(|p| at(*p)).collect();
                line(painter, pts, *s);
            }
            Primitive::Polygon { rings, fill, stroke: s } => {
                let rings: Vec<Vec<Pos2>> = rings.iter().map(|r| r.iter().map(|p| at(*p)).collect()).collect();
                painter.add(Shape::mesh(fill_mesh(&rings, color(*fill))));
                if let Some(s) = s {
                    for ring in rings {
                        line(painter, ring, *s);
                    }
                }
            }
            Primitive::Circle { center, radius, fill, stroke: s } => {
                let st = s.map_or(egui::Stroke::NONE, stroke);
                match s.and_then(|s| s.dash) {
                    Some([dash, gap]) => {
                        painter.circle_filled(at(*center), *radius, color(*fill));
                        let n = ((radius * 0.8).ceil() as usize).clamp(24, 720);
                        let ring: Vec<Pos2> = (0..=n)
                            .map(|i| at(*center) + Vec2::angled(i as f32 / n as f32 * std::f32::consts::TAU) * *radius)
                            .collect();
                        painter.extend(Shape::dashed_line(&ring, st, dash, gap));
                    }
                    None => {
                        painter.circle(at(*center), *radius, color(*fill), st);
                    }
                }
            }
            Primitive::Triangle { points, fill } => {
                let pts = points.iter().map(|p| at(*p)).collect();
                painter.add(Shape::convex_polygon(pts, color(*fill), egui::Stroke::NONE));
            }
            Primitive::Text { anchor, align, text, size, color: c, halo } => {
                let align = match align {
                    Anchor::Left => Align2::LEFT_CENTER,
                    Anchor::Center => Align2::CENTER_CENTER,
                    Anchor::Right => Align2::RIGHT_CENTER,
                };
                text_with_halo(painter, at(*anchor), align, text, *size, color(*c), color(*halo));
            }
        }
    }
}

fn line(painter: &egui::Painter, pts: Vec<Pos2>, s: Stroke) {
    match s.dash {
        Some([dash, gap]) => {
            painter.extend(Shape::dashed_line(&pts, stroke(s), dash, gap));
        }
        None => {
            painter.add(PathShape::line(pts, PathStroke::new(s.width, color(s.color))));
        }
    }
}

/// Text over a soft halo, readable on any background.
pub fn text_with_halo(painter: &egui::Painter, pos: Pos2, align: Align2, text: &str, size: f32, fg: Color32, halo: Color32) {
    let font = FontId::proportional(size);
    for (dx, dy) in [(-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0), (-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0)] {
        painter.text(pos + egui::vec2(dx, dy), align, text, font.clone(), halo);
    }
    painter.text(pos, align, text, font, fg);
}

/// Triangulates a polygon with holes (egui only fills convex shapes by itself).
fn fill_mesh(rings: &[Vec<Pos2>], fill: Color32) -> Mesh {
    let ring = |r: &Vec<Pos2>| geo::LineString::from(r.iter().map(|p| (p.x as f64, p.y as f64)).collect::<Vec<_>>());
    let mut mesh = Mesh::default();
    let Some((outer, holes)) = rings.split_first() else { return mesh };
    let polygon = geo::Polygon::new(ring(outer), holes.iter().map(ring).collect());
    let raw = polygon.earcut_triangles_raw();
    for [x, y] in raw.vertices {
        mesh.colored_vertex(pos2(x as f32, y as f32), fill);
    }
    for tri in raw.triangle_indices.chunks_exact(3) {
        mesh.add_triangle(tri[0] as u32, tri[1] as u32, tri[2] as u32);
    }
    mesh
}
