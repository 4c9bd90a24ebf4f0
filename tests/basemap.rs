//! The offline basemap: the embedded pack decodes completely with the expected contents,
//! tiles look like land and sea where they should, labels come out, and damaged packs are
//! refused with an error instead of a panic.
//!
//! Expected counts are written here (from `../shared/basemap/manifest.json`); the tests never
//! read the source data.

use portolan::basemap::style::{self, Rgba};
use portolan::basemap::{Basemap, LabelKind, LayerKind, PackError, RenderView, Tier};
use portolan::projection::{tile_from_lonlat, tile_world_bounds};

/// (tier, layer, features, vertices or None): the manifest's counts. `low/countries` is
/// deliberately not packed (land gives the fill, boundaries the borders). Polygon layers store
/// rings without their closing vertex, so their vertex counts are below the manifest's
/// (which counts it) and are not compared.
const EXPECTED: &[(Tier, LayerKind, usize, Option<usize>)] = &[
    (Tier::Low, LayerKind::Land, 1421, None),
    (Tier::Low, LayerKind::Coastline, 1428, Some(60416)),
    (Tier::Low, LayerKind::Lakes, 405, None),
    (Tier::Low, LayerKind::Rivers, 461, Some(25640)),
    (Tier::Low, LayerKind::Boundaries, 591, Some(21621)),
    (Tier::Low, LayerKind::Admin1Lines, 350, Some(23195)),
    (Tier::Low, LayerKind::UrbanAreas, 2143, None),
    (Tier::Low, LayerKind::Railroads, 493, Some(26566)),
    (Tier::Low, LayerKind::Ports, 293, Some(293)),
    (Tier::Low, LayerKind::Places, 1249, Some(1249)),
    (Tier::Low, LayerKind::CountryLabels, 241, Some(241)),
    (Tier::High, LayerKind::Land, 8804, None),
    (Tier::High, LayerKind::Coastline, 7095, Some(445829)),
    (Tier::High, LayerKind::Lakes, 1365, None),
    (Tier::High, LayerKind::Rivers, 1454, Some(256373)),
    (Tier::High, LayerKind::Boundaries, 728, Some(84935)),
    (Tier::High, LayerKind::Admin1Lines, 353, Some(76271)),
    (Tier::High, LayerKind::Railroads, 13934, Some(649439)),
    (Tier::High, LayerKind::Ports, 1081, Some(1081)),
    (Tier::High, LayerKind::Places, 7343, Some(7343)),
];

/// Manifest vertex counts of the polygon layers, which include each ring's closing vertex.
const POLYGON_VERTICES_WITH_CLOSING: &[(Tier, LayerKind, usize)] = &[
    (Tier::Low, LayerKind::Land, 60669),
    (Tier::Low, LayerKind::Lakes, 18121),
    (Tier::Low, LayerKind::UrbanAreas, 31473),
    (Tier::High, LayerKind::Land, 455505),
    (Tier::High, LayerKind::Lakes, 139306),
];

#[test]
fn embedded_pack_decodes_with_the_manifest_counts() {
    let basemap = Basemap::embedded();
    basemap.decode_all().expect("the embedded pack decodes");
    let layers = basemap.layers();
    assert_eq!(layers.len(), EXPECTED.len(), "{layers:?}");
    for &(tier, kind, features, vertices) in EXPECTED {
        let info = layers
            .iter()
            .find(|l| l.tier == tier && l.kind == kind)
            .expect("layer present");
        let decoded = basemap
            .feature_count(kind, tier)
            .expect("present")
            .expect("decodes");
        assert_eq!(decoded, features, "{tier:?} {kind:?} features");
        assert_eq!(
            info.features as usize, features,
            "{tier:?} {kind:?} directory"
        );
        if let Some(v) = vertices {
            assert_eq!(info.vertices as usize, v, "{tier:?} {kind:?} vertices");
        }
    }
    for &(tier, kind, with_closing) in POLYGON_VERTICES_WITH_CLOSING {
        let info = layers
            .iter()
            .find(|l| l.tier == tier && l.kind == kind)
            .expect("layer present");
        let stored = info.vertices as usize;
        // At least one ring per feature lost its closing vertex; nothing else was dropped
        // beyond a handful of repeated vertices.
        assert!(
            stored + info.features as usize <= with_closing,
            "{tier:?} {kind:?}: {stored}"
        );
        assert!(
            stored * 100 >= with_closing * 90,
            "{tier:?} {kind:?}: {stored} of {with_closing}"
        );
    }
    assert!(
        basemap
            .feature_count(LayerKind::CountryLabels, Tier::High)
            .is_none()
    );
}

#[test]
fn pack_is_small() {
    let bytes = Basemap::embedded_bytes().len();
    assert!(bytes > 1_000_000 && bytes < 15_000_000, "{bytes} bytes");
}

fn px(pixmap: &tiny_skia::Pixmap, x: u32, y: u32) -> [u8; 4] {
    let c = pixmap.pixel(x, y).expect("inside").demultiply();
    [c.red(), c.green(), c.blue(), c.alpha()]
}

fn count(pixmap: &tiny_skia::Pixmap, f: impl Fn([u8; 4]) -> bool) -> usize {
    pixmap
        .pixels()
        .iter()
        .filter(|c| {
            let c = c.demultiply();
            f([c.red(), c.green(), c.blue(), c.alpha()])
        })
        .count()
}

#[test]
fn open_sea_tile_is_all_sea() {
    // South Pacific, far from any island, at zoom 6.
    let (x, y) = tile_from_lonlat(6, -125.0, -45.0);
    let tile = Basemap::embedded().render_tile(6, x, y, 256);
    assert_eq!((tile.width(), tile.height()), (256, 256));
    let sea = style::DEFAULT.sea.0;
    assert_eq!(count(&tile, |c| c != sea), 0);
}

#[test]
fn siberian_tile_is_land_in_the_middle() {
    // Central Siberia, between the Yenisei and the Lena, at zoom 5.
    let (x, y) = tile_from_lonlat(5, 105.0, 63.0);
    let tile = Basemap::embedded().render_tile(5, x, y, 256);
    let land = style::DEFAULT.land.0;
    assert_eq!(px(&tile, 128, 128), land);
    let centre_land = (112..144)
        .flat_map(|y| (112..144).map(move |x| (x, y)))
        .filter(|&(x, y)| px(&tile, x, y) == land)
        .count();
    assert!(centre_land > 32 * 32 * 3 / 4, "{centre_land}");
    // Lakes have the sea colour; there are a few, but no sea.
    let water = count(&tile, |c| c == style::DEFAULT.sea.0);
    assert!(water < 256 * 256 / 50, "water {water}");
}

#[test]
fn vladivostok_tile_has_land_sea_and_coastline() {
    let basemap = Basemap::embedded();
    let (x, y) = tile_from_lonlat(6, 131.9, 43.1);
    assert_eq!((x, y), (55, 23));
    let tile = basemap.render_tile(6, x, y, 256);
    let (land, sea) = (style::DEFAULT.land.0, style::DEFAULT.sea.0);
    let n_land = count(&tile, |c| c == land);
    let n_sea = count(&tile, |c| c == sea);
    let n_other = count(&tile, |c| c != land && c != sea);
    assert!(n_land > 256 * 256 / 5, "land {n_land}");
    assert!(n_sea > 256 * 256 / 5, "sea {n_sea}");
    assert!(n_other > 1500, "lines {n_other}");

    // The same tile with only the coastline in a loud colour: it must be there, and be a thin
    // line (not a filled area, which a broken clip or ring closure would give).
    let mut loud = style::DEFAULT;
    let red = Rgba::rgb(255, 0, 0);
    loud.coastline.color = red;
    let mut pixmap = tiny_skia::Pixmap::new(256, 256).expect("pixmap");
    basemap.render_view(&mut pixmap.as_mut(), &RenderView::tile(6, x, y, 256), &loud);
    let n_coast = count(&pixmap, |c| c[0] > 200 && c[1] < 170 && c[2] < 170);
    assert!(
        n_coast > 300 && n_coast < 8000,
        "coastline pixels {n_coast}"
    );
}

#[test]
fn tiles_match_one_big_render() {
    // Four z8 tiles over Peter the Great Gulf side by side against the same area drawn as one
    // 512-pixel view: no seams, no dash or tie restarting at tile edges, no lines ending short.
    let basemap = Basemap::embedded();
    let (x0, y0) = (220, 93);
    let mut big = tiny_skia::Pixmap::new(512, 512).expect("pixmap");
    basemap.render_view(
        &mut big.as_mut(),
        &RenderView::tile(8, x0, y0, 256),
        &style::DEFAULT,
    );
    let mut differ = 0;
    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        let tile = basemap.render_tile(8, x0 + dx, y0 + dy, 256);
        for y in 0..256 {
            for x in 0..256 {
                let (a, b) = (px(&tile, x, y), px(&big, dx * 256 + x, dy * 256 + y));
                let d = (0..3).map(|i| a[i].abs_diff(b[i])).max().unwrap_or(0);
                if d > 24 {
                    differ += 1;
                }
            }
        }
    }
    assert!(differ < 100, "{differ} pixels differ");
}

#[test]
fn hidpi_tile_is_twice_the_size_and_agrees() {
    let basemap = Basemap::embedded();
    let (x, y) = tile_from_lonlat(5, 131.9, 43.1);
    let small = basemap.render_tile(5, x, y, 256);
    let big = basemap.render_tile(5, x, y, 512);
    assert_eq!((big.width(), big.height()), (512, 512));
    let (land, sea) = (style::DEFAULT.land.0, style::DEFAULT.sea.0);
    let share = |p: &tiny_skia::Pixmap, c: [u8; 4]| {
        count(p, |q| q == c) as f64 / f64::from(p.width() * p.height())
    };
    assert!((share(&small, land) - share(&big, land)).abs() < 0.05);
    assert!((share(&small, sea) - share(&big, sea)).abs() < 0.05);
}

#[test]
fn extreme_tiles_do_not_panic_or_smear() {
    let basemap = Basemap::embedded();
    let z0 = basemap.render_tile(0, 0, 0, 256);
    // The whole world: both land and sea, and no polygon smeared across it.
    let land_share = count(&z0, |c| c == style::DEFAULT.land.0) as f64 / 65536.0;
    assert!(
        land_share > 0.2 && land_share < 0.5,
        "land share {land_share}"
    );
    // Tiles at the antimeridian, the poles, the deepest zooms, and out of range.
    for (z, x, y) in [
        (1, 1, 0),
        (2, 3, 3),
        (2, 0, 0),
        (16, 0, 0),
        (16, 65535, 65535),
        (16, 57_554, 24_000),
        (20, 0, 1 << 19),
        (22, 5, 5),
        (255, 1, 1),
        (3, 99, 1),
        (3, 1, 99),
    ] {
        let tile = basemap.render_tile(z, x, y, 256);
        assert_eq!(tile.width(), 256);
    }
    // The south-west tile at zoom 2 is Antarctica below and sea above: its top-left must
    // be sea (a polygon smeared across the antimeridian would fill it).
    let sw = basemap.render_tile(2, 0, 3, 256);
    assert_eq!(px(&sw, 5, 5), style::DEFAULT.sea.0);
    assert_eq!(px(&sw, 128, 250), style::DEFAULT.land.0);
    // A y beyond the pyramid is plain sea; an x beyond it wraps.
    let beyond = basemap.render_tile(3, 1, 99, 64);
    assert_eq!(count(&beyond, |c| c != style::DEFAULT.sea.0), 0);
    assert_eq!(
        basemap.render_tile(3, 6 + 8, 2, 64).data(),
        basemap.render_tile(3, 6, 2, 64).data()
    );
    assert_eq!(basemap.render_tile(4, 0, 0, 0).width(), 1);
}

#[test]
fn labels_around_vladivostok_at_zoom_6() {
    let view = tile_world_bounds(6, 55, 23);
    let labels = Basemap::embedded().labels(view, 6.0);
    let vlad = labels
        .iter()
        .find(|l| l.text == "Vladivostok" && l.kind != LabelKind::Port)
        .expect("Vladivostok");
    assert_eq!(vlad.secondary.as_deref(), Some("Владивосток"));
    assert_eq!(vlad.kind, LabelKind::RegionCapital);
    assert!((vlad.lon - 131.91).abs() < 0.01 && (vlad.lat - 43.13).abs() < 0.01);
    assert!(
        labels.windows(2).all(|w| w[0].priority >= w[1].priority),
        "sorted by priority"
    );
    // Chinese places have no Russian secondary name.
    assert!(
        labels
            .iter()
            .filter(|l| l.text == "Hunchun")
            .all(|l| l.secondary.is_none())
    );
    // Zoomed out to 3, the same view has fewer labels, and Vladivostok (min_zoom 5) is gone.
    let far = Basemap::embedded().labels(view, 3.0);
    assert!(far.len() < labels.len());
    assert!(far.iter().all(|l| l.text != "Vladivostok"));
}

#[test]
fn labels_across_the_antimeridian_keep_their_side() {
    // A view from 170° E to 170° W (world x beyond 1) over Fiji, Tonga and Samoa.
    let (x0, y0) = portolan::projection::world_from_lonlat(170.0, -10.0);
    let (x1, y1) = portolan::projection::world_from_lonlat(190.0, -25.0);
    let view = portolan::projection::WorldRect::from_corners([x0, y0], [x1, y1]);
    let labels = Basemap::embedded().labels(view, 4.0);
    let country = |name: &str| {
        labels
            .iter()
            .find(|l| l.text == name && l.kind == LabelKind::Country)
    };
    let fiji = country("Fiji").expect("Fiji");
    let tonga = country("Tonga").expect("Tonga");
    assert!((fiji.lon - 177.97).abs() < 0.01, "{fiji:?}");
    assert!(
        (tonga.lon - (360.0 - 175.29)).abs() < 0.01,
        "east of the antimeridian, shifted: {tonga:?}"
    );
    assert!(
        labels.iter().all(|l| l.lon >= 170.0 && l.lon <= 190.0),
        "{labels:?}"
    );
}

/// A tiny deterministic generator for the fuzz tests (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Opens a pack and decodes the given layers (all when `None`), asks for labels: must return,
/// never panic.
fn exercise(bytes: Vec<u8>, only: Option<&[(LayerKind, Tier)]>) -> Result<(), PackError> {
    let basemap = Basemap::from_bytes(bytes)?;
    let result = match only {
        None => basemap.decode_all(),
        Some(layers) => layers
            .iter()
            .filter_map(|&(kind, tier)| basemap.feature_count(kind, tier))
            .try_for_each(|r| r.map(|_| ())),
    };
    let _ = basemap.labels(tile_world_bounds(5, 27, 11), 5.0);
    result
}

#[test]
fn hostile_headers_are_refused() {
    assert!(matches!(
        Basemap::from_bytes(Vec::new()),
        Err(PackError::Truncated(_))
    ));
    assert!(matches!(
        Basemap::from_bytes(b"PK\x03\x04 not a pack".to_vec()),
        Err(PackError::BadMagic)
    ));
    let real = Basemap::embedded_bytes();
    let mut v1 = real.to_vec();
    v1[8] = 1;
    assert!(matches!(
        Basemap::from_bytes(v1),
        Err(PackError::UnsupportedVersion { found: 1 })
    ));
    // A directory that claims a huge layer.
    let mut huge = real.to_vec();
    huge[12 + 12..12 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        Basemap::from_bytes(huge),
        Err(PackError::BadDirectory(_))
    ));
}

#[test]
fn truncated_packs_give_errors() {
    let real = Basemap::embedded_bytes();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut lengths: Vec<usize> = (0..300).collect();
    lengths.extend((0..40).map(|_| rng.below(real.len())));
    lengths.push(real.len() - 1);
    for len in lengths {
        let result = exercise(real[..len].to_vec(), None);
        assert!(result.is_err(), "a pack cut at {len} bytes was accepted");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let real = Basemap::embedded_bytes();
    let layers = Basemap::from_bytes(real).expect("real pack").layers();
    let dir_end = 12 + 20 * layers.len();
    // Decoding every layer of a debug build for each case would be slow: flips go to the
    // header, and to the directory entries and blocks of the small layers, and only the layer
    // hit is decoded.
    let mut small = Vec::new();
    let mut offset = dir_end;
    for (i, info) in layers.iter().enumerate() {
        if info.len < 70_000 {
            small.push((i, offset..offset + info.len as usize));
        }
        offset += info.len as usize;
    }
    assert!(small.len() >= 5);
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..60 {
        let mut bytes = real.to_vec();
        let at = rng.below(12);
        bytes[at] ^= 1 << rng.below(8);
        assert!(
            exercise(bytes, Some(&[])).is_err(),
            "a flip in the header at {at} was accepted"
        );
    }
    for round in 0..200 {
        let (i, block) = &small[rng.below(small.len())];
        let layer = [(layers[*i].kind, layers[*i].tier)];
        let mut bytes = real.to_vec();
        for _ in 0..=rng.below(3) {
            let at = if round % 2 == 0 {
                12 + 20 * i + rng.below(20)
            } else {
                block.start + rng.below(block.len())
            };
            bytes[at] ^= 1 << rng.below(8);
        }
        let _ = exercise(bytes, Some(&layer));
    }
}

#[test]
fn a_damaged_but_decodable_pack_still_renders() {
    // Coordinates read at another precision (decimals 3 → 4 for low/land): the pack decodes,
    // the land is in the wrong place, and drawing it must still work.
    let real = Basemap::embedded_bytes();
    let layers = Basemap::from_bytes(real).expect("real pack").layers();
    let land = layers
        .iter()
        .position(|l| l.kind == LayerKind::Land && l.tier == Tier::Low)
        .expect("low land");
    let mut bytes = real.to_vec();
    bytes[12 + 20 * land + 2] += 1;
    let basemap = Basemap::from_bytes(bytes).expect("opens");
    assert_eq!(
        basemap.feature_count(LayerKind::Land, Tier::Low),
        Some(Ok(1421))
    );
    let tile = basemap.render_tile(0, 0, 0, 128);
    assert!(count(&tile, |c| c == style::DEFAULT.land.0) > 0);
}
