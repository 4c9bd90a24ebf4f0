//! A coverage mask of a strip of picture rows, painted once in one colour: what the stroke and
//! fill rasterisers ([`super::strokes`], [`super::fills`]) write into, one strip at a time.

use std::cell::RefCell;

use tiny_skia::PixmapMut;

/// Picture rows per strip: a run is rasterised a strip at a time into a mask this tall
/// (61 KB at 1920 pixels wide: it stays in the cache, and in the allocator's arena).
pub(super) const STRIP_ROWS: usize = 32;

thread_local! {
    /// One mask per thread (each band of a page is painted on its own thread), kept between
    /// runs: clearing it costs only the pixels a run covered.
    pub(super) static MASK: RefCell<Mask> = RefCell::new(Mask::default());
}

/// Coverage of a strip of picture rows, with the columns each row was touched in.
#[derive(Default)]
pub(super) struct Mask {
    pub(super) w: usize,
    /// The picture row of the mask's first row.
    pub(super) top: usize,
    pub(super) rows: usize,
    pub(super) coverage: Vec<u8>,
    /// Per row: the first and one past the last column touched (empty when first ≥ last).
    pub(super) touched: Vec<(usize, usize)>,
}

impl Mask {
    /// Makes the mask cover picture rows `top..end`, `w` wide, all clear.
    pub(super) fn start(&mut self, w: usize, top: usize, end: usize) {
        let rows = end - top;
        if self.coverage.len() < w * rows {
            self.coverage = written_zeros(w * rows);
        }
        self.touched.clear();
        self.touched.resize(rows, (usize::MAX, 0));
        (self.w, self.top, self.rows) = (w, top, rows);
    }

    /// Paints `src` (premultiplied) through the coverage, source-over as tiny-skia blends an
    /// anti-aliased fill, and clears what it painted.
    pub(super) fn paint_into(&mut self, pm: &mut PixmapMut, src: [u8; 4]) {
        let w = self.w;
        let data = pm.data_mut();
        for (r, span) in self.touched.iter_mut().enumerate() {
            let (x0, x1) = std::mem::replace(span, (usize::MAX, 0));
            if x0 >= x1 {
                continue;
            }
            let row = self.top + r;
            let cov = &mut self.coverage[r * w + x0..r * w + x1];
            let dst = &mut data[(row * w + x0) * 4..(row * w + x1) * 4];
            for (m, px) in cov.iter_mut().zip(dst.chunks_exact_mut(4)) {
                let c = u16::from(std::mem::take(m));
                if c == 0 {
                    continue;
                }
                if c == 255 && src[3] == 255 {
                    px.copy_from_slice(&src);
                    continue;
                }
                let s = src.map(|v| div255(u16::from(v) * c));
                let keep = 255 - s[3];
                for k in 0..4 {
                    px[k] = (s[k] + div255(u16::from(px[k]) * keep)) as u8;
                }
            }
        }
    }
}

/// Items sorted into the strips of rows they reach (a counting sort: counted, then placed),
/// for a rasteriser to work strip by strip.
pub(super) struct ByStrip<T> {
    /// Strip `s` holds `placed[starts[s]..starts[s + 1]]`.
    starts: Vec<u32>,
    placed: Vec<T>,
}

impl<T: Copy + Default> ByStrip<T> {
    /// Sorts what `items` gives into `strips` strips by the range of them `strips_of` says
    /// each reaches (`None`: none). `items` is called twice.
    pub(super) fn new<I: Iterator<Item = T>>(strips: usize, items: impl Fn() -> I, strips_of: impl Fn(&T) -> Option<std::ops::Range<usize>>) -> Self {
        let mut starts = vec![0u32; strips + 1];
        for s in items().filter_map(|t| strips_of(&t)).flatten() {
            starts[s + 1] += 1;
        }
        for s in 0..strips {
            starts[s + 1] += starts[s];
        }
        let mut placed = vec![T::default(); starts[strips] as usize];
        let mut next = starts.clone();
        for t in items() {
            for s in strips_of(&t).into_iter().flatten() {
                placed[next[s] as usize] = t;
                next[s] += 1;
            }
        }
        ByStrip { starts, placed }
    }

    /// Paints `color` (straight alpha) into `pm` a strip at a time: for each strip that
    /// something reaches, the thread's mask is cleared to the strip's rows, `rasterise` adds
    /// their coverage, and the mask is painted.
    pub(super) fn paint(&self, pm: &mut PixmapMut, color: tiny_skia::Color, mut rasterise: impl FnMut(&mut Mask, &[T])) {
        let (w, h) = (pm.width() as usize, pm.height() as usize);
        let src = color.premultiply().to_color_u8();
        let src = [src.red(), src.green(), src.blue(), src.alpha()];
        MASK.with_borrow_mut(|mask| {
            for s in 0..self.starts.len() - 1 {
                let here = &self.placed[self.starts[s] as usize..self.starts[s + 1] as usize];
                if here.is_empty() {
                    continue;
                }
                let top = s * STRIP_ROWS;
                mask.start(w, top, (top + STRIP_ROWS).min(h));
                rasterise(mask, here);
                mask.paint_into(pm, src);
            }
        });
    }
}

/// `n` zeros, each page of them written once. Memory from `vec![0; n]` can be fresh pages that
/// the kernel maps to its shared zero page until they are written; a page first read (as
/// `+=` and `max` do) and then written costs a copy-on-write fault that flushes the page from
/// every core running the program: about 20 µs a page on a 2-core VM with two threads
/// painting, against 1.5 µs for a page whose first touch is a write.
pub(super) fn written_zeros<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    for x in v.iter_mut().step_by((4096 / size_of::<T>()).max(1)) {
        *std::hint::black_box(x) = T::default();
    }
    v
}

/// `v.floor()` for a pixel position (inside ±2³¹), without the call into the maths library
/// that `floor` is on x86-64 without SSE4.1: the rasterisers take a few per row.
#[inline]
pub(super) fn floor(v: f32) -> f32 {
    let t = v as i32 as f32;
    if t > v { t - 1.0 } else { t }
}

/// `v.ceil()` for a pixel position, as [`floor`].
#[inline]
pub(super) fn ceil(v: f32) -> f32 {
    let t = v as i32 as f32;
    if t < v { t + 1.0 } else { t }
}

/// tiny-skia's (and Skia's) fast division by 255 of a product of two bytes.
fn div255(v: u16) -> u16 {
    (v + 255) >> 8
}


/// Mean and largest difference of two pictures, per channel (for the rasterisers' tests).
#[cfg(test)]
pub(super) fn difference(a: &tiny_skia::Pixmap, b: &tiny_skia::Pixmap) -> (f64, u8) {
    let d: Vec<u8> = a.data().iter().zip(b.data()).map(|(x, y)| x.abs_diff(*y)).collect();
    (d.iter().map(|&v| f64::from(v)).sum::<f64>() / d.len() as f64, d.iter().copied().max().unwrap_or(0))
}
