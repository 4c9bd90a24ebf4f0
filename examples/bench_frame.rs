//! What the UI thread does per frame besides painting: basemap labels for the view and the case
//! scene. Run: `cargo run --release --example bench_frame`.

use std::time::Instant;

use portolan::basemap::Basemap;
use portolan::projection::{WorldRect, world_from_lonlat};
use portolan::scene::{self, Highlight, LayerInput, PlaceName, ScreenTransform};

fn main() {
    let basemap = Basemap::embedded();
    if let Err(e) = basemap.decode_all() {
        eprintln!("basemap: {e}");
    }
    let sample = portolan::io::sample_case().layer;
    let size = [1400.0f32, 800.0];
    println!("{:>5} {:>12} {:>12} {:>8}", "zoom", "labels ms", "scene ms", "items");
    for (lon, lat, zoom) in [(86.0, 48.0, 4.2), (131.9, 43.0, 6.0), (132.1, 43.0, 9.0), (132.3, 42.95, 12.0)] {
        let px_per_world = 256.0 * 2f64.powf(zoom);
        let (cx, cy) = world_from_lonlat(lon, lat);
        let origin = [cx - size[0] as f64 / 2.0 / px_per_world, cy - size[1] as f64 / 2.0 / px_per_world];
        let t = ScreenTransform { world_origin: origin, px_per_world };
        let view = WorldRect::from_corners(origin, t.world_from_screen(size));
        let runs = 50;
        let mut label_ms = Vec::new();
        let mut scene_ms = Vec::new();
        let mut items = 0;
        for _ in 0..runs {
            let a = Instant::now();
            let names = PlaceName::from_basemap(basemap.labels(view, zoom));
            label_ms.push(a.elapsed().as_secs_f64() * 1e3);
            let b = Instant::now();
            let input = [LayerInput::new(0, &sample, 1.0)];
            let s = scene::build(&input, &t, size, Highlight::default(), &names);
            scene_ms.push(b.elapsed().as_secs_f64() * 1e3);
            items = s.items.len() + s.background.len();
        }
        label_ms.sort_by(f64::total_cmp);
        scene_ms.sort_by(f64::total_cmp);
        println!("{zoom:>5.1} {:>12.3} {:>12.3} {items:>8}", label_ms[runs / 2], scene_ms[runs / 2]);
    }
}
