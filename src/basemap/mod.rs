//! The offline basemap: Natural Earth layers shipped inside the executable, drawn locally into
//! raster tiles, with the place names as data for the UI to draw on top.
//!
//! * [`pack`]: the compact binary file (`resources/basemap.bin`) and its checked decoder.
//! * [`layer`]: layer kinds, tiers and attributes; decoded layers in world coordinates with
//!   their features' bounding boxes.
//! * [`render`]: tiles (or any view) drawn with tiny-skia; [`style`]: colours and widths as
//!   plain data; [`labels`]: names to show, ranked.
//! * [`source`]: Natural Earth properties → pack attributes, for the packer
//!   (`examples/pack_basemap.rs`).
//!
//! Layers are decoded lazily, each the first time it is drawn (the low tier for zoom 0–5
//! decodes in a few milliseconds; the high tier only when the user zooms in), or all at once
//! with [`Basemap::decode_all`] on a background thread.
//!
//! This module knows no GUI type (egui, eframe, walkers) and no screen: it works in world
//! coordinates (see [`crate::projection`]) and pixmap pixels.

pub(crate) mod clip;
pub mod labels;
pub mod layer;
pub mod pack;
pub mod render;
pub mod source;
pub mod style;

use std::sync::OnceLock;

pub use labels::{Label, LabelKind};
pub use layer::{LayerKind, Tier};
pub use pack::{LayerInfo, PackError};
pub use render::RenderView;

use layer::LayerData;
use pack::PackBytes;

use crate::projection::WorldRect;

/// The credit to show wherever the offline basemap is shown (Natural Earth asks for it).
pub const ATTRIBUTION: &str = "Made with Natural Earth";

/// The pack built by `examples/pack_basemap.rs` from `../shared/basemap`.
static EMBEDDED_PACK: &[u8] = include_bytes!("../../resources/basemap.bin");

/// The basemap: a pack's directory, and each layer decoded on first use.
pub struct Basemap {
    bytes: PackBytes,
    slots: Vec<Slot>,
    /// Why the pack could not be opened at all, for [`Basemap::embedded`] (which never fails).
    open_error: Option<PackError>,
}

struct Slot {
    info: LayerInfo,
    block: std::ops::Range<usize>,
    decoded: OnceLock<Result<LayerData, PackError>>,
    /// Taken by the thread decoding it: threads decoding a tier at once each take the
    /// layers nobody has taken, instead of waiting on the same one.
    taken: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap")
            .field("bytes", &self.bytes.len())
            .field(
                "layers",
                &self.slots.iter().map(|s| s.info).collect::<Vec<_>>(),
            )
            .field("open_error", &self.open_error)
            .finish()
    }
}

impl Basemap {
    /// The basemap built into the executable. Opening it checks only the directory (fast);
    /// layers decode when first drawn. Never fails: a damaged pack (which the tests rule out)
    /// gives a basemap that draws only the sea, and [`Basemap::decode_all`] reports why.
    pub fn embedded() -> &'static Basemap {
        static EMBEDDED: OnceLock<Basemap> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            Basemap::from_bytes(EMBEDDED_PACK).unwrap_or_else(|e| Basemap {
                bytes: PackBytes::Borrowed(&[]),
                slots: Vec::new(),
                open_error: Some(e),
            })
        })
    }

    /// The bytes of the pack built into the executable (`resources/basemap.bin`).
    pub fn embedded_bytes() -> &'static [u8] {
        EMBEDDED_PACK
    }

    /// Opens a pack: checks the header and directory. Layer blocks are checked when decoded.
    pub fn from_bytes(
        bytes: impl Into<std::borrow::Cow<'static, [u8]>>,
    ) -> Result<Basemap, PackError> {
        let bytes = bytes.into();
        let dir = pack::read_directory(&bytes)?;
        let slots = dir
            .layers
            .into_iter()
            .map(|(info, block)| Slot {
                info,
                block,
                decoded: OnceLock::new(),
                taken: Default::default(),
            })
            .collect();
        Ok(Basemap {
            bytes,
            slots,
            open_error: None,
        })
    }

    /// Decodes every layer not decoded yet (two threads) and returns the first error. Call it
    /// on a background thread at start-up to have every zoom ready, or in tests to check a
    /// pack completely.
    pub fn decode_all(&self) -> Result<(), PackError> {
        if let Some(e) = &self.open_error {
            return Err(e.clone());
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(slot) = self.slots.get(i) else { break };
                let _ = self.decoded(slot);
            }
        };
        std::thread::scope(|s| {
            s.spawn(work);
            work();
        });
        for slot in &self.slots {
            if let Err(e) = self.decoded(slot) {
                return Err(e.clone());
            }
        }
        Ok(())
    }

    /// Decodes, on two threads, the layers a view at `zoom` draws from (its tier's, and the
    /// low tier's, which the locator and the layers only it has need): painting in bands then
    /// finds them ready instead of both bands waiting on one thread decoding them in turn.
    pub fn decode_for_zoom(&self, zoom: f64) {
        let tier = Tier::for_zoom(zoom);
        let wanted: Vec<&Slot> = self.slots.iter().filter(|s| s.info.tier == tier || s.info.tier == Tier::Low).collect();
        std::thread::scope(|s| {
            s.spawn(|| self.decode_untaken(&wanted));
            self.decode_untaken(&wanted);
        });
        // Layers another thread took (`decode_tier`) may still be under way.
        for slot in wanted {
            let _ = self.decoded(slot);
        }
    }

    /// Decodes every layer of `tier` that no other thread has taken. The export from the
    /// command line calls it on a thread of its own while the files are read: the low tier is
    /// drawn by every export (the locator, and maps of a continent).
    pub fn decode_tier(&self, tier: Tier) {
        let slots: Vec<&Slot> = self.slots.iter().filter(|s| s.info.tier == tier).collect();
        self.decode_untaken(&slots);
    }

    /// Decodes the layers of `slots` no thread has taken yet, taking each first.
    fn decode_untaken(&self, slots: &[&Slot]) {
        for slot in slots {
            if !slot.taken.swap(true, std::sync::atomic::Ordering::Relaxed) {
                let _ = self.decoded(slot);
            }
        }
    }

    /// The layers in the pack, from its directory (counts as written by the packer and checked
    /// against the data when a layer is decoded).
    pub fn layers(&self) -> Vec<LayerInfo> {
        self.slots.iter().map(|s| s.info).collect()
    }

    /// The number of features of a decoded layer (decoding it if needed), `None` if the pack
    /// has no such layer, or the decoding error.
    pub fn feature_count(&self, kind: LayerKind, tier: Tier) -> Option<Result<usize, PackError>> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.info.kind == kind && s.info.tier == tier)?;
        Some(
            self.decoded(slot)
                .as_ref()
                .map(|l| l.features.len())
                .map_err(Clone::clone),
        )
    }

    fn decoded<'a>(&'a self, slot: &'a Slot) -> &'a Result<LayerData, PackError> {
        slot.decoded.get_or_init(|| {
            let block = self.bytes.get(slot.block.clone()).unwrap_or(&[]);
            pack::decode_layer(&slot.info, block)
        })
    }

    /// The layer to draw `kind` from at `tier`: that tier's, else the other one's (urban areas
    /// and country labels exist only in the low tier). `None` if absent or undecodable.
    pub(crate) fn layer_for(&self, kind: LayerKind, tier: Tier) -> Option<&LayerData> {
        let find = |t: Tier| {
            self.slots
                .iter()
                .find(|s| s.info.kind == kind && s.info.tier == t)
        };
        let other = if tier == Tier::Low {
            Tier::High
        } else {
            Tier::Low
        };
        let slot = find(tier).or_else(|| find(other))?;
        self.decoded(slot).as_ref().ok()
    }

    /// Renders the XYZ tile `(z, x, y)` as a `size_px` × `size_px` pixmap (256, or 512 for
    /// HiDPI screens: lines are then twice as wide, in twice as many pixels). `x` wraps around
    /// the world; a `y` outside the pyramid gives plain sea. `size_px` is clamped to 1..=4096.
    pub fn render_tile(&self, z: u8, x: u32, y: u32, size_px: u32) -> tiny_skia::Pixmap {
        self.render_tile_without(z, x, y, size_px, &[])
    }

    /// [`Basemap::render_tile`] leaving out the `hidden` layers (the viewer's layer switches).
    pub fn render_tile_without(&self, z: u8, x: u32, y: u32, size_px: u32, hidden: &[LayerKind]) -> tiny_skia::Pixmap {
        let size_px = size_px.clamp(1, 4096);
        // Cannot fail: tiny-skia refuses only zero or overflowing sizes.
        let mut pixmap =
            tiny_skia::Pixmap::new(size_px, size_px).expect("1..=4096 px is a valid pixmap size");
        let n = crate::projection::tiles_per_axis(z);
        if f64::from(y) >= n {
            pixmap.fill(render_color(style::DEFAULT.sea));
            return pixmap;
        }
        let x = if f64::from(x) >= n {
            (f64::from(x) % n) as u32
        } else {
            x
        };
        let view = RenderView::tile(z, x, y, size_px);
        render::render(self, &style::DEFAULT, &mut pixmap.as_mut(), &view, hidden);
        pixmap
    }

    /// Renders any view (the export uses this): `view` places the pixmap on the world.
    pub fn render_view(
        &self,
        pixmap: &mut tiny_skia::PixmapMut,
        view: &RenderView,
        style: &style::BasemapStyle,
    ) {
        self.render_view_without(pixmap, view, style, &[]);
    }

    /// [`Basemap::render_view`] leaving out the `hidden` layers (the export's locator map
    /// shows land, lakes, coasts and borders only).
    pub fn render_view_without(
        &self,
        pixmap: &mut tiny_skia::PixmapMut,
        view: &RenderView,
        style: &style::BasemapStyle,
        hidden: &[LayerKind],
    ) {
        render::render(self, style, pixmap, view, hidden);
    }

    /// The labels to show in `view_world` at `zoom`, most important first: country names,
    /// places (from the tier of that zoom) and ports, each only from the zoom Natural Earth
    /// suggests for it. The UI places them in this order and drops those that collide.
    pub fn labels(&self, view_world: WorldRect, zoom: f64) -> Vec<Label> {
        self.labels_without(view_world, zoom, &[])
    }

    /// [`Basemap::labels`] leaving out the `hidden` layers.
    pub fn labels_without(&self, view_world: WorldRect, zoom: f64, hidden: &[LayerKind]) -> Vec<Label> {
        let tier = labels::places_tier(zoom);
        let layer = |kind| if hidden.contains(&kind) { None } else { self.layer_for(kind, tier) };
        labels::collect(
            layer(LayerKind::Places),
            layer(LayerKind::Ports),
            layer(LayerKind::CountryLabels),
            &view_world,
            zoom,
        )
    }
}

fn render_color(c: style::Rgba) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(c.r(), c.g(), c.b(), c.a())
}
