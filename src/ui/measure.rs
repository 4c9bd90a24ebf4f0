//! The measure tool: click points on the map for the geodesic distance, leg by leg.

use egui::{Align2, Color32, Pos2, Stroke, Vec2};

use crate::index::measure::{format_distance, legs};

#[derive(Default)]
pub struct Measure {
    pub active: bool,
    /// Clicked points, lon/lat degrees.
    pub points: Vec<(f64, f64)>,
}

impl Measure {
    pub fn total_metres(&self) -> f64 {
        legs(&self.points).1
    }

    /// Draws the path, the length of each leg at its middle, and the total.
    pub fn paint(&self, painter: &egui::Painter, to_screen: impl Fn(f64, f64) -> Pos2) {
        if self.points.is_empty() {
            return;
        }
        let ink = Color32::from_rgb(20, 20, 20);
        // Each leg the short way round, across the antimeridian where that is shorter.
        let mut previous: Option<f64> = None;
        let pts: Vec<Pos2> = self
            .points
            .iter()
            .map(|&(lon, lat)| {
                let lon = previous.map_or(lon, |p| crate::projection::unwrap_lon(lon, p));
                previous = Some(lon);
                to_screen(lon, lat)
            })
            .collect();
        painter.line(pts.clone(), Stroke::new(4.0, Color32::WHITE));
        painter.extend(egui::Shape::dashed_line(&pts, Stroke::new(2.0, ink), 8.0, 5.0));
        for p in &pts {
            painter.circle(*p, 4.0, Color32::WHITE, Stroke::new(2.0, ink));
        }
        let (leg_m, total) = legs(&self.points);
        for (w, m) in pts.windows(2).zip(&leg_m) {
            let mid = w[0] + (w[1] - w[0]) / 2.0;
            super::paint::text_with_halo(painter, mid + Vec2::new(0.0, -10.0), Align2::CENTER_BOTTOM, &format_distance(*m), 12.0, ink, Color32::WHITE);
        }
        if let Some(last) = pts.last() {
            let text = format!("Total {}", format_distance(total));
            super::paint::text_with_halo(painter, *last + Vec2::new(10.0, 12.0), Align2::LEFT_TOP, &text, 13.0, ink, Color32::WHITE);
        }
    }
}
