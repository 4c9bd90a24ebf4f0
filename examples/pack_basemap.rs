//! Packs the Natural Earth GeoJSON basemap into `resources/basemap.bin`.
//!
//! ```sh
//! cargo run --release --example pack_basemap -- ../shared/basemap resources/basemap.bin
//! ```
//!
//! Reads `low/` and `high/` of the basemap directory (every layer of
//! [`portolan::basemap::LayerKind`]; `low/countries.geojson` is not packed: land gives the
//! fill, boundaries the borders), keeps the few properties the renderer and the labels use,
//! writes the pack atomically, then opens and fully decodes it again as a check.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use geo::Geometry;
use portolan::basemap::pack::{self, SourceFeature, SourceLayer};
use portolan::basemap::{Basemap, LayerKind, Tier, source};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        bail!(
            "usage: pack_basemap BASEMAP_DIR OUT.bin   (e.g. ../shared/basemap resources/basemap.bin)"
        );
    };
    let (dir, out) = (PathBuf::from(dir), PathBuf::from(out));
    let started = std::time::Instant::now();

    let mut layers = Vec::new();
    for tier in [Tier::Low, Tier::High] {
        for kind in LayerKind::ALL {
            let path = dir
                .join(tier.dir_name())
                .join(format!("{}.geojson", kind.file_stem()));
            if !path.exists() {
                continue;
            }
            layers.push(
                read_layer(&path, kind, tier)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
        }
    }
    let bytes = pack::encode(&layers)?;
    portolan::io::save_atomic(&out, &bytes)
        .with_context(|| format!("writing {}", out.display()))?;

    let basemap = Basemap::from_bytes(bytes.clone())?;
    basemap
        .decode_all()
        .context("the pack just written does not decode")?;
    println!(
        "{:<24} {:>8} {:>9} {:>4} {:>10}",
        "layer", "features", "vertices", "dec", "bytes"
    );
    for (info, source) in basemap.layers().iter().zip(&layers) {
        let decoded = basemap
            .feature_count(info.kind, info.tier)
            .transpose()?
            .unwrap_or(0);
        if decoded != source.features.len() {
            bail!(
                "{}: {} features read, {} decoded",
                info.name(),
                source.features.len(),
                decoded
            );
        }
        println!(
            "{:<24} {:>8} {:>9} {:>4} {:>10}",
            info.name(),
            info.features,
            info.vertices,
            info.decimals,
            info.len
        );
    }
    println!(
        "wrote {} ({} bytes = {:.2} MB) in {:.1} s",
        out.display(),
        bytes.len(),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read_layer(path: &Path, kind: LayerKind, tier: Tier) -> anyhow::Result<SourceLayer> {
    let loaded = portolan::io::read_path(path)?;
    if loaded.has_errors() {
        for d in loaded.diagnostics.iter().take(10) {
            eprintln!("{}: {d:?}", path.display());
        }
        bail!("{} has errors", path.display());
    }
    let mut features = Vec::with_capacity(loaded.layer.features.len());
    for (i, f) in loaded.layer.features.iter().enumerate() {
        let Some(geometry) = &f.geometry else {
            bail!("feature {i} has no geometry")
        };
        let parts = parts_of(geometry).with_context(|| format!("feature {i}"))?;
        let (attrs, strings) = source::attributes(kind, &f.properties.to_map());
        features.push(SourceFeature {
            attrs,
            strings,
            parts,
        });
    }
    Ok(SourceLayer {
        kind,
        tier,
        features,
    })
}

/// The lines, rings or position of a geometry as `[lon, lat]` lists.
fn parts_of(geometry: &Geometry<f64>) -> anyhow::Result<Vec<Vec<[f64; 2]>>> {
    let line = |l: &geo::LineString<f64>| l.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    let rings = |p: &geo::Polygon<f64>| {
        std::iter::once(line(p.exterior()))
            .chain(p.interiors().iter().map(line))
            .collect::<Vec<_>>()
    };
    Ok(match geometry {
        Geometry::Point(p) => vec![vec![[p.x(), p.y()]]],
        Geometry::LineString(l) => vec![line(l)],
        Geometry::MultiLineString(m) => m.0.iter().map(line).collect(),
        Geometry::Polygon(p) => rings(p),
        Geometry::MultiPolygon(m) => m.0.iter().flat_map(rings).collect(),
        other => bail!("unexpected geometry {other:?}"),
    })
}
