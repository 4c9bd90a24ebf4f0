//! The basemap pack: a small, versioned binary file holding every basemap layer.
//!
//! The pack is our own file, but it is read as untrusted input: every length is checked
//! against what is left, every count is checked against the directory, coordinates must stay
//! in range, and each layer's block has an Adler-32 checksum in the directory. A damaged pack
//! gives a [`PackError`], never a panic and never an allocation much larger than the file.
//!
//! This module knows the byte layout and nothing about drawing.
//!
//! # Layout (version 2)
//!
//! All integers are little-endian.
//!
//! ```text
//! header     magic "PTLNBMAP" (8 bytes), version u16, layer count u16
//! directory  per layer, 20 bytes:
//!              kind u8 (LayerKind code), tier u8 (0 low, 1 high),
//!              decimals u8 (the coordinate unit, below), reserved u8 = 0,
//!              feature count u32, vertex count u32,
//!              block length u32, block Adler-32 u32
//! blocks     one per layer, in directory order, nothing after the last one
//! ```
//!
//! Each layer has a block of its own so that a layer can be decoded only when it is first
//! drawn. Blocks are not compressed: zlib took a fifth off the varints below but its inflating
//! was a third of an export's wait for the basemap, and the program reads its blocks in place.
//! Inside a block, feature after feature:
//!
//! ```text
//! attributes   scalerank, min_zoom×10, min_label×10, max_label×10, class, extra: 6 × u8
//! strings      LayerKind::string_fields().len() × (varint byte length, UTF-8 bytes)
//! geometry     point:          dlon, dlat
//!              line / polygon: varint part count, then per part (line or ring):
//!                              varint vertex count, vertex count × (dlon, dlat)
//! ```
//!
//! `dlon`/`dlat` are zigzag varints: the difference from the previous vertex of the same
//! layer (the first one from 0, 0). Longitude is in units of 10^-decimals degrees; latitude is
//! stored already projected, as the Web Mercator world `y` (0 at 85.05° N, 1 at 85.05° S) in
//! units of 1 / (360 · 10^decimals), the size of a longitude unit in world `x`: decoding is
//! then two multiplications, with no trigonometry for hundreds of thousands of vertices. Rings
//! do not repeat their first vertex. Varints are LEB128, at most 10 bytes.

use std::borrow::Cow;

use super::layer::{FeatureAttrs, FeatureData, GeometryKind, LayerData, LayerKind, Tier};
use crate::projection::world_from_lonlat;

/// The first bytes of every pack.
pub const MAGIC: &[u8; 8] = b"PTLNBMAP";
/// The format version this build writes and reads.
pub const VERSION: u16 = 2;

const HEADER_LEN: usize = 12;
const DIR_ENTRY_LEN: usize = 20;
/// No layer block may be longer than this (the largest layer today, the 1:10m railroads, is
/// 2.1 MB). It bounds the memory a hostile pack can make the decoder use: at most 16 M
/// vertices of 16 bytes per layer.
pub const MAX_LAYER_BYTES: u32 = 32 << 20;
const ATTR_LEN: usize = 6;
const MAX_DECIMALS: u8 = 6;

/// Why a pack cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("not a Portolan basemap pack (wrong magic bytes)")]
    BadMagic,
    #[error("basemap pack version {found} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion { found: u16 },
    #[error("basemap pack is truncated: {0}")]
    Truncated(&'static str),
    #[error("basemap pack directory is invalid: {0}")]
    BadDirectory(String),
    #[error("basemap layer {layer} is corrupt: {reason}")]
    CorruptLayer { layer: String, reason: String },
}

/// Why a set of layers cannot be written as a pack.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EncodeError {
    #[error("layer {layer}, feature {feature}: {reason}")]
    BadFeature {
        layer: String,
        feature: usize,
        reason: String,
    },
    #[error("layer {0} appears twice")]
    DuplicateLayer(String),
    #[error("layer {layer} is too large for the format ({what})")]
    TooLarge { layer: String, what: &'static str },
}

/// One directory entry: a layer and where its block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    pub kind: LayerKind,
    pub tier: Tier,
    /// Longitudes are stored in units of 10^-decimals degrees (and world `y` in units of the
    /// same size in world `x`).
    pub decimals: u8,
    pub features: u32,
    pub vertices: u32,
    /// The block's length in bytes.
    pub len: u32,
    /// The block's Adler-32 checksum.
    pub adler32: u32,
}

impl LayerInfo {
    pub fn name(&self) -> String {
        format!("{}/{}", self.tier.dir_name(), self.kind.file_stem())
    }
}

/// A layer to be packed: features with lon/lat geometry in degrees.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceLayer {
    pub kind: LayerKind,
    pub tier: Tier,
    pub features: Vec<SourceFeature>,
}

/// A feature to be packed. `strings` holds [`LayerKind::string_fields`] in order (empty
/// strings for missing values). `parts` are the polylines (line layers), the rings (polygon
/// layers, exterior first, closing vertex optional) or the single position (point layers),
/// as `[lon, lat]` degrees.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceFeature {
    pub attrs: FeatureAttrs,
    pub strings: Vec<String>,
    pub parts: Vec<Vec<[f64; 2]>>,
}

/// The smallest number of decimals (between 3 and 6) at which every coordinate of the layer
/// is an integer (within 1e-9 of a unit), or 6 if none is exact.
pub fn exact_decimals(layer: &SourceLayer) -> u8 {
    let coords = || {
        layer
            .features
            .iter()
            .flat_map(|f| f.parts.iter().flatten())
            .flatten()
    };
    (3..MAX_DECIMALS)
        .find(|&d| {
            let scale = 10f64.powi(i32::from(d));
            coords().all(|v| ((v * scale) - (v * scale).round()).abs() < 1e-6)
        })
        .unwrap_or(MAX_DECIMALS)
}

/// Writes layers as a pack. Each layer's coordinates are stored at [`exact_decimals`]
/// (at most 6), so longitudes rounded to 3–6 decimals survive exactly, and latitudes to
/// within half a unit of world `y` (0.4 m at the equator with 5 decimals, less further north).
pub fn encode(layers: &[SourceLayer]) -> Result<Vec<u8>, EncodeError> {
    let mut seen = std::collections::HashSet::new();
    let mut infos = Vec::new();
    let mut blocks = Vec::new();
    for layer in layers {
        let name = format!("{}/{}", layer.tier.dir_name(), layer.kind.file_stem());
        if !seen.insert((layer.kind, layer.tier)) {
            return Err(EncodeError::DuplicateLayer(name));
        }
        let decimals = exact_decimals(layer);
        let (block, vertices) = encode_block(layer, decimals, &name)?;
        let too_large = |what| EncodeError::TooLarge {
            layer: name.clone(),
            what,
        };
        let len = u32::try_from(block.len()).map_err(|_| too_large("bytes"))?;
        if len > MAX_LAYER_BYTES {
            return Err(too_large("bytes"));
        }
        infos.push(LayerInfo {
            kind: layer.kind,
            tier: layer.tier,
            decimals,
            features: u32::try_from(layer.features.len()).map_err(|_| too_large("features"))?,
            vertices: u32::try_from(vertices).map_err(|_| too_large("vertices"))?,
            len,
            adler32: adler32(&block),
        });
        blocks.push(block);
    }
    let count = u16::try_from(infos.len()).map_err(|_| EncodeError::TooLarge {
        layer: "*".into(),
        what: "layer count",
    })?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    for info in &infos {
        out.extend_from_slice(&[info.kind as u8, info.tier as u8, info.decimals, 0]);
        for v in [info.features, info.vertices, info.len, info.adler32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    for block in blocks {
        out.extend_from_slice(&block);
    }
    Ok(out)
}

fn encode_block(
    layer: &SourceLayer,
    decimals: u8,
    name: &str,
) -> Result<(Vec<u8>, usize), EncodeError> {
    let scale = 10f64.powi(i32::from(decimals));
    let y_scale = 360.0 * scale;
    let geometry = layer.kind.geometry();
    let n_strings = layer.kind.string_fields().len();
    let mut out = Vec::new();
    let mut prev = [0i64; 2];
    let mut vertices = 0usize;
    for (i, f) in layer.features.iter().enumerate() {
        let bad = |reason: String| EncodeError::BadFeature {
            layer: name.to_owned(),
            feature: i,
            reason,
        };
        let a = f.attrs;
        out.extend_from_slice(&[
            a.scalerank,
            a.min_zoom_x10,
            a.min_label_x10,
            a.max_label_x10,
            a.class,
            a.extra,
        ]);
        if f.strings.len() != n_strings {
            return Err(bad(format!(
                "{} strings, the layer has {n_strings}",
                f.strings.len()
            )));
        }
        for s in &f.strings {
            write_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        let mut quantize = |p: &[f64; 2]| -> Result<[i64; 2], EncodeError> {
            if !(p[0].is_finite() && p[1].is_finite() && p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
            {
                return Err(bad(format!("coordinate {p:?} is not a lon/lat position")));
            }
            let (_, y_world) = world_from_lonlat(p[0], p[1]);
            Ok([(p[0] * scale).round() as i64, (y_world * y_scale).round() as i64])
        };
        let mut push = |out: &mut Vec<u8>, q: [i64; 2]| {
            write_varint(out, zigzag(q[0] - prev[0]));
            write_varint(out, zigzag(q[1] - prev[1]));
            prev = q;
        };
        match geometry {
            GeometryKind::Point => {
                let [part] = f.parts.as_slice() else {
                    return Err(bad("a point needs exactly one part".into()));
                };
                let [p] = part.as_slice() else {
                    return Err(bad("a point needs exactly one position".into()));
                };
                push(&mut out, quantize(p)?);
                vertices += 1;
            }
            GeometryKind::Line | GeometryKind::Polygon => {
                if f.parts.is_empty() {
                    return Err(bad("no parts".into()));
                }
                write_varint(&mut out, f.parts.len() as u64);
                for part in &f.parts {
                    let mut q: Vec<[i64; 2]> =
                        part.iter().map(&mut quantize).collect::<Result<_, _>>()?;
                    q.dedup();
                    if geometry == GeometryKind::Polygon && q.len() > 1 && q.first() == q.last() {
                        q.pop();
                    }
                    let min = if geometry == GeometryKind::Polygon {
                        3
                    } else {
                        2
                    };
                    if q.len() < min {
                        // Degenerate after rounding: keep one vertex so the part count holds.
                        q.truncate(1);
                        if q.is_empty() {
                            return Err(bad("an empty part".into()));
                        }
                    }
                    write_varint(&mut out, q.len() as u64);
                    for v in q {
                        push(&mut out, v);
                        vertices += 1;
                    }
                }
            }
        }
    }
    Ok((out, vertices))
}

/// The parsed header and directory of a pack, with each layer's block located.
#[derive(Debug)]
pub(crate) struct Directory {
    pub layers: Vec<(LayerInfo, std::ops::Range<usize>)>,
}

/// Reads and checks the header and directory. Cheap: no block is read.
pub(crate) fn read_directory(bytes: &[u8]) -> Result<Directory, PackError> {
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or(PackError::Truncated("header"))?;
    if &header[..8] != MAGIC {
        return Err(PackError::BadMagic);
    }
    let version = u16::from_le_bytes([header[8], header[9]]);
    if version != VERSION {
        return Err(PackError::UnsupportedVersion { found: version });
    }
    let count = usize::from(u16::from_le_bytes([header[10], header[11]]));
    let dir_end = HEADER_LEN + count * DIR_ENTRY_LEN;
    let dir = bytes
        .get(HEADER_LEN..dir_end)
        .ok_or(PackError::Truncated("directory"))?;
    let mut offset = dir_end;
    let mut layers: Vec<(LayerInfo, std::ops::Range<usize>)> = Vec::with_capacity(count);
    for entry in dir.chunks_exact(DIR_ENTRY_LEN) {
        let u32_at =
            |i: usize| u32::from_le_bytes([entry[i], entry[i + 1], entry[i + 2], entry[i + 3]]);
        let kind = LayerKind::from_code(entry[0])
            .ok_or_else(|| PackError::BadDirectory(format!("unknown layer code {}", entry[0])))?;
        let tier = Tier::from_code(entry[1])
            .ok_or_else(|| PackError::BadDirectory(format!("unknown tier code {}", entry[1])))?;
        let info = LayerInfo {
            kind,
            tier,
            decimals: entry[2],
            features: u32_at(4),
            vertices: u32_at(8),
            len: u32_at(12),
            adler32: u32_at(16),
        };
        let name = info.name();
        if info.decimals > MAX_DECIMALS || entry[3] != 0 {
            return Err(PackError::BadDirectory(format!(
                "{name}: bad coordinate precision"
            )));
        }
        if info.len > MAX_LAYER_BYTES {
            return Err(PackError::BadDirectory(format!(
                "{name}: block of {} bytes",
                info.len
            )));
        }
        // Every feature takes at least its attribute bytes and every vertex at least 2 bytes:
        // counts beyond that are lies, refused before anything is allocated.
        let min_len = u64::from(info.features) * ATTR_LEN as u64 + u64::from(info.vertices) * 2;
        if min_len > u64::from(info.len) || u64::from(info.features) > u64::from(info.vertices)
        {
            return Err(PackError::BadDirectory(format!(
                "{name}: counts do not fit the block"
            )));
        }
        if layers.iter().any(|(l, _)| l.kind == kind && l.tier == tier) {
            return Err(PackError::BadDirectory(format!("{name} appears twice")));
        }
        let end = offset
            .checked_add(info.len as usize)
            .ok_or(PackError::Truncated("layer blocks"))?;
        if end > bytes.len() {
            return Err(PackError::Truncated("layer blocks"));
        }
        layers.push((info, offset..end));
        offset = end;
    }
    if offset != bytes.len() {
        return Err(PackError::BadDirectory(format!(
            "{} bytes after the last block",
            bytes.len() - offset
        )));
    }
    Ok(Directory { layers })
}

/// Checks and decodes one layer block into world coordinates, and indexes it.
pub(crate) fn decode_layer(info: &LayerInfo, block: &[u8]) -> Result<LayerData, PackError> {
    let corrupt = |reason: String| PackError::CorruptLayer {
        layer: info.name(),
        reason,
    };
    let sum = adler32(block);
    if sum != info.adler32 {
        return Err(corrupt(format!("checksum {sum:08x}, the directory says {:08x}", info.adler32)));
    }
    decode_block(info, block).map_err(corrupt)
}

fn adler32(bytes: &[u8]) -> u32 {
    let mut a = simd_adler32::Adler32::new();
    a.write(bytes);
    a.finish()
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!("{n} bytes wanted at {}, block ends", self.pos));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let at = self.pos;
        next_varint(self.bytes, &mut self.pos).ok_or_else(|| {
            if self.bytes.len() - at < 10 && self.bytes[at..].iter().all(|b| b & 0x80 != 0) {
                "varint runs past the block".to_owned()
            } else {
                format!("varint longer than 10 bytes at {at}")
            }
        })
    }

    /// A count that must be between `min` and what the rest of the block can hold, given that
    /// each item takes at least `min_bytes_each`.
    fn count(&mut self, what: &str, min: usize, min_bytes_each: usize) -> Result<usize, String> {
        let n = self.varint()?;
        let most = self.remaining() / min_bytes_each.max(1);
        if n < min as u64 || n > most as u64 {
            return Err(format!("{what} count {n} out of range at {}", self.pos));
        }
        Ok(n as usize)
    }
}

fn decode_block(info: &LayerInfo, block: &[u8]) -> Result<LayerData, String> {
    let kind = info.kind;
    let geometry = kind.geometry();
    let n_strings = kind.string_fields().len();
    let scale = 10f64.powi(-i32::from(info.decimals));
    let lon_limit = 180 * 10i64.pow(u32::from(info.decimals));
    let y_limit = 2 * lon_limit;
    let x_world_per_unit = scale / 360.0;
    let y_world_per_unit = 1.0 / y_limit as f64;
    // The directory checked that these counts fit the block, so they bound the allocations.
    let mut coords_world = Vec::with_capacity(info.vertices as usize);
    let mut part_ends: Vec<u32> = Vec::with_capacity(info.features as usize);
    let mut features = Vec::with_capacity(info.features as usize);
    let mut r = Reader { bytes: block, pos: 0 };
    let mut prev = [0i64; 2];
    // A run of `n` vertices: the hot loop of the decoder (hundreds of thousands per tier), on
    // local copies of the position and the previous vertex so that they stay in registers;
    // what went wrong is worked out only once something has.
    let mut vertices = |r: &mut Reader, n: usize, coords_world: &mut Vec<[f64; 2]>| -> Result<(), String> {
        if n > info.vertices as usize - coords_world.len() {
            return Err("more vertices than the directory says".into());
        }
        let bytes = r.bytes;
        let (mut pos, [mut lon, mut y]) = (r.pos, prev);
        for _ in 0..n {
            let at = pos;
            let (Some(dx), Some(dy)) = (next_varint(bytes, &mut pos), next_varint(bytes, &mut pos)) else {
                r.pos = at;
                return Err(r.varint().and_then(|_| r.varint()).err().unwrap_or_default());
            };
            let (Some(next_lon), Some(next_y)) = (lon.checked_add(unzigzag(dx)), y.checked_add(unzigzag(dy))) else {
                return Err("coordinate overflow".into());
            };
            // Not `abs`: the most negative value has none (a fuzzed pack reached it).
            if !(-lon_limit..=lon_limit).contains(&next_lon) || !(0..=y_limit).contains(&next_y) {
                return Err(format!("coordinate out of range at {pos}"));
            }
            (lon, y) = (next_lon, next_y);
            coords_world.push([lon as f64 * x_world_per_unit + 0.5, y as f64 * y_world_per_unit]);
        }
        (r.pos, prev) = (pos, [lon, y]);
        Ok(())
    };
    for _ in 0..info.features {
        let a = r.take(ATTR_LEN)?;
        let attrs = FeatureAttrs {
            scalerank: a[0],
            min_zoom_x10: a[1],
            min_label_x10: a[2],
            max_label_x10: a[3],
            class: a[4],
            extra: a[5],
        };
        let mut strings = Vec::with_capacity(n_strings);
        for _ in 0..n_strings {
            let len = r.count("string byte", 0, 1)?;
            let s = std::str::from_utf8(r.take(len)?)
                .map_err(|_| "a string is not UTF-8".to_owned())?;
            strings.push(Box::<str>::from(s));
        }
        let first_part = part_ends.len();
        match geometry {
            GeometryKind::Point => {
                vertices(&mut r, 1, &mut coords_world)?;
                part_ends.push(coords_world.len() as u32);
            }
            GeometryKind::Line | GeometryKind::Polygon => {
                let parts = r.count("part", 1, 3)?;
                for _ in 0..parts {
                    let n = r.count("vertex", 1, 2)?;
                    vertices(&mut r, n, &mut coords_world)?;
                    part_ends.push(coords_world.len() as u32);
                }
            }
        }
        features.push(FeatureData {
            first_part: first_part as u32,
            end_part: part_ends.len() as u32,
            attrs,
            strings: strings.into_boxed_slice(),
        });
    }
    if r.remaining() != 0 {
        return Err(format!(
            "{} bytes left after the last feature",
            r.remaining()
        ));
    }
    if coords_world.len() != info.vertices as usize {
        return Err(format!(
            "{} vertices, the directory says {}",
            coords_world.len(),
            info.vertices
        ));
    }
    Ok(LayerData::new(kind, coords_world, part_ends, features))
}

/// The varint at `pos` in `bytes`, `None` if it runs past them or is longer than 10 bytes
/// (`pos` is then left anywhere).
#[inline]
fn next_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Bytes of a pack, borrowed (the embedded one) or owned (one read from disk or a test).
pub(crate) type PackBytes = Cow<'static, [u8]>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_layers() -> Vec<SourceLayer> {
        vec![
            SourceLayer {
                kind: LayerKind::Land,
                tier: Tier::Low,
                features: vec![SourceFeature {
                    attrs: FeatureAttrs {
                        scalerank: 1,
                        ..Default::default()
                    },
                    strings: vec![],
                    parts: vec![vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 0.0]]],
                }],
            },
            SourceLayer {
                kind: LayerKind::Places,
                tier: Tier::High,
                features: vec![SourceFeature {
                    attrs: FeatureAttrs {
                        min_zoom_x10: 50,
                        class: 2,
                        extra: 11,
                        ..Default::default()
                    },
                    strings: vec!["Vladivostok".into(), "Владивосток".into(), "RUS".into()],
                    parts: vec![vec![[131.91003, 43.13001]]],
                }],
            },
        ]
    }

    #[test]
    fn varints_and_zigzag() {
        for v in [0i64, 1, -1, 63, -64, 1 << 40, i64::MIN, i64::MAX] {
            assert_eq!(unzigzag(zigzag(v)), v);
            let mut buf = Vec::new();
            write_varint(&mut buf, zigzag(v));
            let mut r = Reader {
                bytes: &buf,
                pos: 0,
            };
            assert_eq!(r.varint().map(unzigzag), Ok(v));
            assert_eq!(r.remaining(), 0);
        }
        let mut r = Reader {
            bytes: &[0xff; 11],
            pos: 0,
        };
        assert!(r.varint().is_err());
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&sample_layers()).expect("encode");
        let dir = read_directory(&bytes).expect("directory");
        assert_eq!(dir.layers.len(), 2);
        let (land_info, land_range) = dir.layers[0].clone();
        assert_eq!(land_info.decimals, 3);
        assert_eq!(land_info.vertices, 3, "the closing vertex is not stored");
        let land = decode_layer(&land_info, &bytes[land_range]).expect("land");
        assert_eq!(land.features.len(), 1);
        assert_eq!(land.part(0).len(), 3);
        assert_eq!(land.part(0)[0], [0.5, 0.5]);
        let (info, range) = dir.layers[1].clone();
        assert_eq!(info.decimals, 5);
        let places = decode_layer(&info, &bytes[range]).expect("places");
        assert_eq!(places.features[0].string(1), Some("Владивосток"));
        assert_eq!(places.features[0].attrs.extra, 11);
        let (lon, lat) =
            crate::projection::lonlat_from_world(places.part(0)[0][0], places.part(0)[0][1]);
        // Longitude exactly; latitude to half a unit of world y (at 5 decimals, 3.7e-6° here).
        assert!((lon - 131.91003).abs() < 1e-9, "{lon}");
        assert!((lat - 43.13001).abs() < 0.5 / 360e5 * 360.0 * 43.13f64.to_radians().cos() + 1e-12, "{lat}");
    }

    #[test]
    fn header_errors() {
        let bytes = encode(&sample_layers()).expect("encode");
        assert_eq!(
            read_directory(b"PTLN").unwrap_err(),
            PackError::Truncated("header")
        );
        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert_eq!(read_directory(&bad).unwrap_err(), PackError::BadMagic);
        let mut bad = bytes.clone();
        bad[8] = 9;
        assert_eq!(
            read_directory(&bad).unwrap_err(),
            PackError::UnsupportedVersion { found: 9 }
        );
        assert_eq!(
            read_directory(&bytes[..bytes.len() - 1]).unwrap_err(),
            PackError::Truncated("layer blocks")
        );
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            read_directory(&long),
            Err(PackError::BadDirectory(_))
        ));
    }

    /// Corrupts the content of each block behind its checksum (which a random flip of the file
    /// would almost never get past) and checks that decoding gives an error or a layer, never
    /// a panic.
    #[test]
    fn corrupt_block_contents_never_panic() {
        let mut layers = sample_layers();
        layers.push(SourceLayer {
            kind: LayerKind::Railroads,
            tier: Tier::High,
            features: (0..20)
                .map(|i| SourceFeature {
                    attrs: FeatureAttrs {
                        scalerank: i as u8,
                        ..Default::default()
                    },
                    strings: vec![],
                    parts: vec![
                        (0..30)
                            .map(|j| [i as f64 + j as f64 * 0.01, 40.0 - j as f64 * 0.02])
                            .collect(),
                    ],
                })
                .collect(),
        });
        let bytes = encode(&layers).expect("encode");
        let dir = read_directory(&bytes).expect("directory");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut ok, mut err) = (0, 0);
        for (info, range) in &dir.layers {
            let raw = &bytes[range.clone()];
            for round in 0..400 {
                let mut raw = raw.to_vec();
                match round % 4 {
                    0 => raw.truncate(rand(raw.len())),
                    1 => raw.push(rand(256) as u8),
                    _ => {
                        for _ in 0..=rand(3) {
                            let at = rand(raw.len());
                            raw[at] ^= 1 << rand(8);
                        }
                    }
                }
                let info = LayerInfo { len: raw.len() as u32, ..*info };
                match decode_block(&info, &raw) {
                    Ok(layer) => {
                        ok += 1;
                        // A layer that decodes is consistent enough to be queried.
                        let _ = layer.query(&crate::projection::WorldRect::WORLD).count();
                        for f in &layer.features {
                            let _ = layer.parts(f).map(<[_]>::len).sum::<usize>();
                        }
                    }
                    Err(_) => err += 1,
                }
            }
        }
        assert!(
            err > ok,
            "most corruptions are caught: {err} errors, {ok} decoded"
        );
    }

    #[test]
    fn encoder_refuses_bad_features() {
        let mut layers = sample_layers();
        layers[1].features[0].strings.pop();
        assert!(matches!(
            encode(&layers),
            Err(EncodeError::BadFeature { .. })
        ));
        let mut layers = sample_layers();
        layers[0].features[0].parts[0][1] = [f64::NAN, 0.0];
        assert!(matches!(
            encode(&layers),
            Err(EncodeError::BadFeature { .. })
        ));
        let mut layers = sample_layers();
        layers.push(layers[0].clone());
        assert!(matches!(
            encode(&layers),
            Err(EncodeError::DuplicateLayer(_))
        ));
    }
}
