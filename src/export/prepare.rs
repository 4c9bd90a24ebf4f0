//! The features an export draws: the spec's layers filtered by name, kind and time range, and
//! — for big layers — simplified to the output's pixel size.
//!
//! Simplification (Ramer–Douglas–Peucker in Web Mercator, to half an output pixel, on every
//! core) is done here, on copies, so that the scene and the screen stay as they are: a
//! 1M-vertex file exported at 1x keeps only the vertices that can change a pixel. (QGIS
//! simplifies what it draws to a whole pixel by default; half a pixel moves no line by more
//! than its anti-aliased edge does.)

use std::borrow::Cow;

use geo::{CoordsIter, Geometry, LineString, MultiLineString, MultiPolygon, Polygon};

use super::{ExportError, ExportSpec};
use crate::model::time::{DateRange, feature_range};
use crate::model::{Feature, FeatureKind, Layer};
use crate::projection::LatToWorldY;

/// Layers with more vertices than this (points not counted) are simplified; smaller ones are
/// drawn exactly as the screen draws them.
const SIMPLIFY_ABOVE_VERTICES: usize = 10_000;
/// Simplification tolerance, in output (device) pixels.
const SIMPLIFY_TOLERANCE_PX: f64 = 0.5;

/// One layer as the export draws it.
pub struct Prepared<'a> {
    pub index: usize,
    pub layer: Cow<'a, Layer>,
    pub opacity: f32,
}

/// Filters the spec's visible layers by `only` and `time_range`. Returns notices (features
/// whose period cannot be read are named).
pub fn filter<'a>(spec: &ExportSpec<'a>) -> Result<(Vec<Prepared<'a>>, Vec<String>), ExportError> {
    let selection = Selection::resolve(spec)?;
    let mut notices = Vec::new();
    let mut out = Vec::new();
    for (index, input) in spec.layers.iter().enumerate().filter(|(_, l)| l.opacity > 0.0) {
        let layer = input.layer;
        let whole = selection.layers.iter().any(|n| *n == normal(&layer.name));
        let keep = |f: &Feature, notices: &mut Vec<String>| -> bool {
            if !(selection.all || whole || selection.kinds.contains(&f.kind())) {
                return false;
            }
            let Some(range) = &spec.time_range else { return true };
            if let Some(period) = f.str_prop("period").map(str::trim).filter(|p| !p.is_empty())
                && DateRange::parse(period).is_none()
            {
                let name = f.name().map(str::to_owned).or_else(|| f.key()).unwrap_or_else(|| "a feature".into());
                notices.push(format!("{}: {name}: period {period:?} is not an ISO 8601 date or range", layer.name));
            }
            // The app's timeline rule: the feature's period, else the span of its events;
            // undated features are always shown.
            feature_range(f, layer.case.as_ref()).is_none_or(|when| range.overlaps(&when))
        };
        let kept: Vec<bool> = layer.features.iter().map(|f| keep(f, &mut notices)).collect();
        let cow = if kept.iter().all(|k| *k) {
            Cow::Borrowed(layer)
        } else {
            let features = layer.features.iter().zip(&kept).filter(|(_, k)| **k).map(|(f, _)| f.clone()).collect();
            Cow::Owned(Layer { name: layer.name.clone(), features, case: layer.case.clone(), overlays: layer.overlays.clone(), ..Layer::default() })
        };
        out.push(Prepared { index, layer: cow, opacity: input.opacity.min(1.0) });
    }
    Ok((out, notices))
}

/// Simplifies the big layers for `px_per_world` output pixels per world unit, on every core
/// (the features are cut into one run per core).
pub fn simplify(layers: &mut [Prepared], px_per_world: f64) {
    let epsilon = SIMPLIFY_TOLERANCE_PX / px_per_world;
    if !(epsilon.is_finite() && epsilon > 0.0) {
        return;
    }
    for p in layers.iter_mut() {
        // Points are never thinned: a layer of points is drawn as it is, not copied.
        let vertices: usize = p
            .layer
            .features
            .iter()
            .filter_map(|f| f.geometry.as_ref())
            .filter(|g| !matches!(g, Geometry::Point(_) | Geometry::MultiPoint(_)))
            .map(|g| g.coords_count())
            .sum();
        if vertices <= SIMPLIFY_ABOVE_VERTICES {
            continue;
        }
        let features = &p.layer.features;
        let run = features.len().div_ceil(super::raster::cores() as usize).max(1);
        // Copies of the features with the kept vertices only (not whole copies thinned).
        let simplified: Vec<Feature> = std::thread::scope(|scope| {
            let runs: Vec<_> = features
                .chunks(run)
                .map(|run| {
                    scope.spawn(move || {
                        let mut s = Simplifier { eps2: epsilon * epsilon, lat_y: LatToWorldY::new(), world: Vec::new(), keep: Vec::new(), stack: Vec::new() };
                        run.iter()
                            .map(|f| Feature { id: f.id.clone(), geometry: f.geometry.as_ref().map(|g| s.simplified(g)), properties: f.properties.clone(), foreign: f.foreign.clone() })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            runs.into_iter().flat_map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        let layer = &p.layer;
        let (name, case, foreign, overlays) = (layer.name.clone(), layer.case.clone(), layer.foreign.clone(), layer.overlays.clone());
        p.layer = Cow::Owned(Layer { name, features: simplified, case, foreign, overlays });
    }
}

/// Ramer–Douglas–Peucker on Web Mercator world coordinates, with reused buffers.
struct Simplifier {
    /// Tolerance squared, in world units².
    eps2: f64,
    lat_y: LatToWorldY,
    world: Vec<[f64; 2]>,
    keep: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

impl Simplifier {
    /// A simplified copy of `g`.
    fn simplified(&mut self, g: &Geometry) -> Geometry {
        match g {
            Geometry::LineString(l) => Geometry::LineString(self.line(l, 2)),
            Geometry::MultiLineString(MultiLineString(ls)) => Geometry::MultiLineString(MultiLineString(ls.iter().map(|l| self.line(l, 2)).collect())),
            Geometry::Polygon(p) => Geometry::Polygon(self.polygon(p)),
            Geometry::MultiPolygon(MultiPolygon(ps)) => Geometry::MultiPolygon(MultiPolygon(ps.iter().map(|p| self.polygon(p)).collect())),
            Geometry::GeometryCollection(gc) => Geometry::GeometryCollection(geo::GeometryCollection(gc.0.iter().map(|g| self.simplified(g)).collect())),
            other => other.clone(),
        }
    }

    fn polygon(&mut self, p: &Polygon) -> Polygon {
        let exterior = self.line(p.exterior(), 4);
        Polygon::new(exterior, p.interiors().iter().map(|r| self.line(r, 4)).collect())
    }

    /// The kept vertices of `l` ([`Simplifier::mark`]) as a new line.
    fn line(&mut self, l: &LineString, min: usize) -> LineString {
        if !self.mark(l, min) {
            return l.clone();
        }
        LineString(l.0.iter().zip(&self.keep).filter(|(_, k)| **k).map(|(c, _)| *c).collect())
    }

    /// Marks in `keep` the vertices RDP keeps in world space (the original lon/lat values are
    /// kept, not re-projected ones); false when the line stays as it is (nothing to drop, or
    /// fewer than `min` would be left).
    fn mark(&mut self, l: &LineString, min: usize) -> bool {
        let n = l.0.len();
        if n <= min.max(2) {
            return false;
        }
        self.world.clear();
        self.world.extend(l.0.iter().map(|c| [(c.x + 180.0) / 360.0, self.lat_y.y(c.y)]));
        self.keep.clear();
        self.keep.resize(n, false);
        self.keep[0] = true;
        self.keep[n - 1] = true;
        self.stack.clear();
        self.stack.push((0, n - 1));
        while let Some((a, b)) = self.stack.pop() {
            if b <= a + 1 {
                continue;
            }
            let (pa, pb) = (self.world[a], self.world[b]);
            let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
            let len2 = dx * dx + dy * dy;
            let (mut far, mut far_d2) = (a, -1.0);
            for (i, p) in self.world.iter().enumerate().take(b).skip(a + 1) {
                let (px, py) = (p[0] - pa[0], p[1] - pa[1]);
                // Distance to the segment (to the end point when the segment is a point).
                let d2 = if len2 <= 0.0 {
                    px * px + py * py
                } else {
                    let t = ((px * dx + py * dy) / len2).clamp(0.0, 1.0);
                    let (ex, ey) = (px - t * dx, py - t * dy);
                    ex * ex + ey * ey
                };
                if d2 > far_d2 {
                    (far, far_d2) = (i, d2);
                }
            }
            if far_d2 > self.eps2 {
                self.keep[far] = true;
                self.stack.push((a, far));
                self.stack.push((far, b));
            }
        }
        let kept = self.keep.iter().filter(|k| **k).count();
        kept >= min && kept < n
    }
}

/// What `--layers` asked for, resolved against the layers.
struct Selection {
    all: bool,
    layers: Vec<String>,
    kinds: Vec<FeatureKind>,
}

/// Lower case, with spaces and hyphens as underscores: "Sea routes" → "sea_routes".
fn normal(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '-'], "_")
}

impl Selection {
    fn resolve(spec: &ExportSpec) -> Result<Selection, ExportError> {
        let wanted: Vec<&str> = spec.only.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        if wanted.is_empty() {
            return Ok(Selection { all: true, layers: Vec::new(), kinds: Vec::new() });
        }
        let layer_names: Vec<String> = spec.layers.iter().map(|l| normal(&l.layer.name)).collect();
        let mut kinds_present: Vec<FeatureKind> = Vec::new();
        for l in &spec.layers {
            for (k, _) in l.layer.count_by_kind() {
                if !kinds_present.contains(&k) {
                    kinds_present.push(k);
                }
            }
        }
        let mut sel = Selection { all: false, layers: Vec::new(), kinds: Vec::new() };
        for w in wanted {
            let n = normal(w);
            let singular = n.strip_suffix('s').unwrap_or(&n).to_owned();
            if layer_names.contains(&n) {
                sel.layers.push(n);
                continue;
            }
            let kind = kinds_present.iter().find(|k| {
                let k = normal(k.as_str());
                k == n || k == singular
            });
            match kind {
                Some(k) => sel.kinds.push(k.clone()),
                None => {
                    let mut known: Vec<String> = spec.layers.iter().map(|l| format!("layer {:?}", l.layer.name)).collect();
                    known.extend(kinds_present.iter().map(|k| k.as_str().to_owned()));
                    return Err(ExportError::UnknownLayer { name: w.to_owned(), known: known.join(", ") });
                }
            }
        }
        Ok(sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplification_keeps_ends_corners_and_drops_collinear_points() {
        let mut s = Simplifier { eps2: 1e-18, lat_y: LatToWorldY::new(), world: Vec::new(), keep: Vec::new(), stack: Vec::new() };
        let l: LineString = (0..1000).map(|i| geo::Coord { x: 120.0 + i as f64 * 0.01, y: 30.0 }).collect();
        let l = s.line(&l, 2);
        assert_eq!(l.0.len(), 2);
        assert_eq!(l.0[0].x, 120.0);
        assert!((l.0[1].x - 129.99).abs() < 1e-9);
        // An L keeps its corner; a tolerance as big as the world keeps only the ends.
        let corner: LineString = vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (2.0, 2.0)].into();
        let corner = s.line(&corner, 2);
        assert_eq!(corner.0.len(), 3);
        s.eps2 = 1.0;
        let ring: LineString = vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)].into();
        let ring = s.line(&ring, 4);
        assert_eq!(ring.0.len(), 5, "a ring keeps at least 4 vertices");
    }
}
