//! Raster tiles for walkers, rendered on background threads from a local renderer.
//!
//! walkers asks for every visible tile on every frame. A tile we have is returned at once; a
//! tile we do not have yet is queued for the workers and, meanwhile, stood in for by the
//! nearest cached ancestor, scaled up, so the map never shows holes while it fills in.
//! The newest requests are served first, so panning never waits behind tiles that scrolled
//! out of view.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};

use egui::{ColorImage, Rect, TextureHandle, TextureOptions, pos2};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece};

/// Renders the tile (z, x, y) at `size_px` × `size_px` pixels, as premultiplied RGBA; `None`
/// draws nothing there.
pub type RenderFn = dyn Fn(u8, u32, u32, u32) -> Option<tiny_skia::Pixmap> + Send + Sync;

/// Tiles kept as textures. 600 tiles of 512² RGBA is about 600 MB of GPU memory at worst;
/// at 256² it is 150 MB.
const CACHE_TILES: usize = 600;
/// Queued requests beyond this are dropped, oldest first: they have scrolled away.
const MAX_QUEUED: usize = 96;
/// Deepest zoom the renderer is asked for; deeper tiles are cut from it.
const MAX_RENDER_ZOOM: u8 = 18;

struct Queue {
    jobs: Mutex<Jobs>,
    ready: Condvar,
}

#[derive(Default)]
struct Jobs {
    waiting: Vec<TileId>,
    /// The tiles are gone: workers stop.
    closed: bool,
}

pub struct LocalTiles {
    ctx: egui::Context,
    attribution: Attribution,
    size_px: u32,
    queue: Arc<Queue>,
    results: Receiver<(TileId, ColorImage)>,
    cache: HashMap<TileId, TextureHandle>,
    order: VecDeque<TileId>,
    pending: HashSet<TileId>,
}

impl LocalTiles {
    /// Starts `threads` workers that call `render` for each tile the map asks for.
    pub fn new(ctx: egui::Context, render: Arc<RenderFn>, attribution: Attribution, threads: usize) -> Self {
        let queue = Arc::new(Queue { jobs: Mutex::new(Jobs::default()), ready: Condvar::new() });
        let (tx, results) = std::sync::mpsc::channel();
        // Textures are sharper when they have as many pixels as the screen shows.
        let size_px = if ctx.pixels_per_point() > 1.25 { 512 } else { 256 };
        for i in 0..threads.max(1) {
            let (queue, render, tx, ctx): (Arc<Queue>, Arc<RenderFn>, Sender<_>, _) =
                (queue.clone(), render.clone(), tx.clone(), ctx.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("tiles-{i}"))
                .spawn(move || worker(&queue, &*render, &tx, &ctx, size_px));
            if let Err(e) = spawned {
                log_error(&format!("cannot start a tile thread: {e}"));
            }
        }
        Self {
            ctx,
            attribution,
            size_px,
            queue,
            results,
            cache: HashMap::new(),
            order: VecDeque::new(),
            pending: HashSet::new(),
        }
    }

    /// Tiles asked for and not drawn yet.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn receive(&mut self) {
        while let Ok((id, image)) = self.results.try_recv() {
            self.pending.remove(&id);
            let name = format!("tile-{}-{}-{}", id.zoom, id.x, id.y);
            let texture = self.ctx.load_texture(name, image, TextureOptions::LINEAR);
            self.cache.insert(id, texture);
            self.order.push_back(id);
            while self.order.len() > CACHE_TILES {
                if let Some(old) = self.order.pop_front() {
                    self.cache.remove(&old);
                }
            }
        }
    }

    fn request(&mut self, id: TileId) {
        if !self.pending.insert(id) {
            return;
        }
        let Ok(mut jobs) = self.queue.jobs.lock() else { return };
        jobs.waiting.push(id);
        if jobs.waiting.len() > MAX_QUEUED {
            let dropped = jobs.waiting.remove(0);
            self.pending.remove(&dropped);
        }
        self.queue.ready.notify_one();
    }
}

impl Drop for LocalTiles {
    fn drop(&mut self) {
        if let Ok(mut jobs) = self.queue.jobs.lock() {
            jobs.closed = true;
            jobs.waiting.clear();
        }
        self.queue.ready.notify_all();
    }
}

fn worker(queue: &Queue, render: &RenderFn, tx: &Sender<(TileId, ColorImage)>, ctx: &egui::Context, size_px: u32) {
    loop {
        let id = {
            let Ok(mut jobs) = queue.jobs.lock() else { return };
            loop {
                if jobs.closed {
                    return;
                }
                if let Some(id) = jobs.waiting.pop() {
                    break id;
                }
                jobs = match queue.ready.wait(jobs) {
                    Ok(j) => j,
                    Err(_) => return,
                };
            }
        };
        let image = match render(id.zoom, id.x, id.y, size_px) {
            Some(pixmap) => ColorImage::from_rgba_premultiplied([pixmap.width() as usize, pixmap.height() as usize], pixmap.data()),
            None => ColorImage::new([1, 1], vec![egui::Color32::TRANSPARENT]),
        };
        if tx.send((id, image)).is_err() {
            return; // the map is gone
        }
        ctx.request_repaint();
    }
}

fn log_error(message: &str) {
    eprintln!("portolan: {message}");
}

/// The tile at `levels` zooms above `id` and the part of it that covers `id`.
fn ancestor(id: TileId, levels: u8) -> (TileId, Rect) {
    let n = 1u32 << levels;
    let parent = TileId { x: id.x / n, y: id.y / n, zoom: id.zoom - levels };
    let (fx, fy, step) = ((id.x % n) as f32, (id.y % n) as f32, 1.0 / n as f32);
    let uv = Rect::from_min_max(pos2(fx * step, fy * step), pos2((fx + 1.0) * step, (fy + 1.0) * step));
    (parent, uv)
}

impl walkers::Tiles for LocalTiles {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        self.receive();
        let max = 1u64 << id.zoom.min(40);
        if u64::from(id.x) >= max || u64::from(id.y) >= max {
            return None;
        }
        // Beyond the deepest rendered zoom, cut the tile from its ancestor at that zoom.
        let over = id.zoom.saturating_sub(MAX_RENDER_ZOOM);
        let (want, want_uv) = if over > 0 { ancestor(id, over) } else { (id, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0))) };
        if let Some(t) = self.cache.get(&want) {
            return Some(TilePiece::new(Tile::Raster(t.clone()), want_uv));
        }
        self.request(want);
        (1..=want.zoom.min(8)).find_map(|levels| {
            let (parent, uv) = ancestor(want, levels);
            let t = self.cache.get(&parent)?;
            let (min, size) = (uv.min, uv.size());
            let sub = Rect::from_min_size(
                pos2(min.x + want_uv.min.x * size.x, min.y + want_uv.min.y * size.y),
                egui::vec2(want_uv.width() * size.x, want_uv.height() * size.y),
            );
            Some(TilePiece::new(Tile::Raster(t.clone()), sub))
        })
    }

    fn attribution(&self) -> Attribution {
        self.attribution.clone()
    }

    fn tile_size(&self) -> u32 {
        256
    }

    fn stats(&self) -> walkers::Stats {
        walkers::Stats { in_progress: self.pending.len() }
    }
}

impl LocalTiles {
    /// Pixel size of the textures (256, or 512 on HiDPI screens).
    pub fn texture_size(&self) -> u32 {
        self.size_px
    }
}
