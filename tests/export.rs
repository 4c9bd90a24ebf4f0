//! Publication export: golden images, DPI, SVG validity (rendered with resvg), hostile texts,
//! layout without overlaps, filters, online tiles with fallback, and the `export` command.
//!
//! Golden images live in `tests/golden/`; after an intended change of the look, regenerate
//! them with `PORTOLAN_BLESS=1 cargo test --test export` and look at them before committing.
//! A failing comparison writes the picture it got and a diff to `target/export-diff/`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use portolan::export::layout::{Item, Page, Rect, Space};
use portolan::export::{self, BasemapChoice, ExportLayer, ExportSpec, Extent, Format};
use portolan::model::Layer;

const BIN: &str = env!("CARGO_BIN_EXE_portolan");

fn sample() -> Layer {
    portolan::io::sample_case().layer
}

fn spec(layer: &Layer) -> ExportSpec<'_> {
    ExportSpec::new(vec![ExportLayer { layer, opacity: 1.0 }])
}

// ---------------------------------------------------------------------------------------------
// Golden images

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Averages `k`×`k` blocks: a 4x picture compared at 1x size (smaller goldens, and immune to
/// sub-pixel differences of antialiasing).
fn downsample(img: &image::RgbImage, k: u32) -> image::RgbImage {
    let (w, h) = (img.width() / k, img.height() / k);
    image::RgbImage::from_fn(w, h, |x, y| {
        let mut sum = [0u32; 3];
        for dy in 0..k {
            for dx in 0..k {
                let p = img.get_pixel(x * k + dx, y * k + dy);
                for c in 0..3 {
                    sum[c] += u32::from(p[c]);
                }
            }
        }
        let n = k * k;
        image::Rgb([(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8])
    })
}

/// Compares with a golden picture, or writes it under `PORTOLAN_BLESS=1`. Pixels differing by
/// more than 40 in a channel count as different; up to 0.3 % of them, and a mean difference
/// up to 1.0, are tolerated (antialiasing and float differences between machines).
fn assert_golden(name: &str, got: &image::RgbImage) {
    let path = golden_dir().join(name);
    if std::env::var_os("PORTOLAN_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        got.save(&path).unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let want = match image::open(&path) {
        Ok(i) => i.to_rgb8(),
        Err(e) => panic!("cannot read the golden {} ({e}); create it with PORTOLAN_BLESS=1", path.display()),
    };
    assert_eq!(want.dimensions(), got.dimensions(), "{name}: size differs from the golden");
    let (mut differing, mut max, mut total) = (0u64, 0u8, 0u64);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    let mut diff = image::RgbImage::new(got.width(), got.height());
    for (x, y, p) in got.enumerate_pixels() {
        let q = want.get_pixel(x, y);
        let d = (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap_or(0);
        total += u64::from(d);
        max = max.max(d);
        if d > 40 {
            differing += 1;
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        diff.put_pixel(x, y, image::Rgb([d.saturating_mul(4), 0, 0]));
    }
    let n = u64::from(got.width()) * u64::from(got.height());
    let share = differing as f64 / n as f64;
    let mean = total as f64 / n as f64;
    if share > 0.003 || mean > 1.0 {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/export-diff");
        std::fs::create_dir_all(&out).unwrap();
        got.save(out.join(name)).unwrap();
        diff.save(out.join(format!("diff-{name}"))).unwrap();
        panic!(
            "{name} differs from its golden: {differing} pixels ({:.3} %) by more than 40, max {max}, mean {mean:.3}, \
             in x {x0}..{x1}, y {y0}..{y1}; see {} (PORTOLAN_BLESS=1 to accept)",
            share * 100.0,
            out.display()
        );
    }
}

/// The notices other than the one that names the map labels left out.
fn other_than_labels(notices: &[String]) -> Vec<&String> {
    notices.iter().filter(|n| !n.contains("could not be placed")).collect()
}

fn png_rgb(bytes: &[u8]) -> image::RgbImage {
    image::load_from_memory(bytes).unwrap().to_rgb8()
}

#[test]
fn golden_1x_png_of_the_sample_case() {
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [1280, 720];
    let done = export::export(&s).unwrap();
    assert_eq!(done.size_px, [1280, 720]);
    // At the whole route's scale the sites about Vladivostok are one knot of markers: not
    // every name finds a place there, and the notice says which.
    let notices = other_than_labels(&done.notices);
    assert!(notices.is_empty(), "{notices:?}");
    assert_golden("case-1280x720-1x.png", &png_rgb(&done.bytes));
}

#[test]
fn golden_4x_png_of_the_sample_case() {
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [1280, 720];
    s.scale = 4.0;
    let done = export::export(&s).unwrap();
    assert_eq!(done.size_px, [5120, 2880]);
    let img = png_rgb(&done.bytes);
    assert_eq!(img.dimensions(), (5120, 2880));
    assert_golden("case-1280x720-4x-downsampled.png", &downsample(&img, 4));
}

#[test]
fn the_4x_page_is_the_1x_page_with_more_pixels() {
    // Same layout: averaged down, the 4x picture matches the 1x one except for antialiasing
    // and the finer rendering of thin lines and text.
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [640, 400];
    let one = png_rgb(&export::export(&s).unwrap().bytes);
    s.scale = 4.0;
    let four = downsample(&png_rgb(&export::export(&s).unwrap().bytes), 4);
    let total: u64 = one.pixels().zip(four.pixels()).map(|(a, b)| (0..3).map(|c| u64::from(a[c].abs_diff(b[c]))).max().unwrap_or(0)).sum();
    let mean = total as f64 / f64::from(640 * 400);
    assert!(mean < 12.0, "mean difference {mean}");
}

// ---------------------------------------------------------------------------------------------
// DPI and metadata

#[test]
fn png_carries_its_dpi() {
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [640, 400];
    s.dpi = Some(300.0);
    let done = export::export(&s).unwrap();
    assert_eq!(export::png::read_pixels_per_metre(&done.bytes), Some((11811, 11811)));
    // Defaults: 72 dpi at 1x, 144 at 2x, 300 from 3x on.
    assert_eq!(export::default_dpi(1.0), 72.0);
    assert_eq!(export::default_dpi(2.0), 144.0);
    assert_eq!(export::default_dpi(3.0), 300.0);
    s.dpi = None;
    s.scale = 3.0;
    let done = export::export(&s).unwrap();
    assert_eq!(done.dpi, 300.0);
    assert_eq!(export::png::read_pixels_per_metre(&done.bytes), Some((11811, 11811)));
    assert_eq!(done.size_px, [1920, 1200]);
}

#[test]
fn a_saved_png_is_the_exported_png_and_a_failed_save_leaves_nothing() {
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [640, 400];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.png");
    // Encoded straight into the file as the page is painted: the same bytes as in memory.
    let saved = export::save(&s, &path).unwrap();
    assert!(saved.bytes.is_empty(), "the PNG went to its file");
    assert_eq!(std::fs::read(&path).unwrap(), export::export(&s).unwrap().bytes);
    assert_eq!(std::fs::read_to_string(export::alt_text_path(&path)).unwrap(), saved.alt_text);
    // A failed export leaves the earlier file as it was, and no temporary file.
    let before = std::fs::read(&path).unwrap();
    s.scale = 400.0;
    assert!(export::save(&s, &path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(export::save(&spec(&layer), &dir.path().join("no such folder/map.png")).is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "the PNG and its alt text, no temporary file: {names:?}");
}

// ---------------------------------------------------------------------------------------------
// SVG

fn usvg_options() -> resvg::usvg::Options<'static> {
    let mut db = resvg::usvg::fontdb::Database::new();
    for font in [portolan::fonts::NOTO_SANS, portolan::fonts::NOTO_SANS_BOLD, portolan::fonts::NOTO_HANGUL, portolan::fonts::NOTO_MATH] {
        db.load_font_data(font.to_vec());
    }
    resvg::usvg::Options { fontdb: Arc::new(db), ..Default::default() }
}

/// Parses and renders an SVG with resvg (without raster images: the basemap `<image>` stays
/// white here). Set `PORTOLAN_SVG_PREVIEW=dir` to keep the rendering for a look.
fn render_svg(svg: &str, name: &str) -> resvg::tiny_skia::Pixmap {
    let tree = match resvg::usvg::Tree::from_str(svg, &usvg_options()) {
        Ok(t) => t,
        Err(e) => panic!("resvg cannot parse the SVG: {e}"),
    };
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut pixmap.as_mut());
    if let Some(dir) = std::env::var_os("PORTOLAN_SVG_PREVIEW") {
        pixmap.save_png(Path::new(&dir).join(format!("{name}.png"))).unwrap();
    }
    pixmap
}

/// Dark pixels in a rectangle of a rendering: text and lines were drawn there.
fn ink(p: &resvg::tiny_skia::Pixmap, r: Rect) -> usize {
    let mut n = 0;
    for y in r.y.max(0.0) as u32..(r.bottom() as u32).min(p.height()) {
        for x in r.x.max(0.0) as u32..(r.right() as u32).min(p.width()) {
            let c = p.pixel(x, y).unwrap().demultiply();
            if c.alpha() > 200 && u32::from(c.red()) + u32::from(c.green()) + u32::from(c.blue()) < 480 {
                n += 1;
            }
        }
    }
    n
}

fn svg_of(s: &ExportSpec) -> String {
    let mut s = s.clone();
    s.format = Format::Svg;
    String::from_utf8(export::export(&s).unwrap().bytes).unwrap()
}

#[test]
fn svg_renders_with_resvg_and_has_the_title_as_text() {
    let layer = sample();
    let mut s = spec(&layer);
    s.title = Some("Munitions by sea & rail".into());
    let svg = svg_of(&s);
    assert!(svg.contains(">Munitions by sea &amp; rail</text>"), "the title is a <text> element");
    let page = export::layout(&s).unwrap();
    let pixmap = render_svg(&svg, "svg-sample");
    assert_eq!((pixmap.width(), pixmap.height()), (1920, 1080));
    // The title, legend and source line render where the layout put them.
    let title = Rect { x: 20.0, y: 20.0, w: 500.0, h: 50.0 };
    assert!(ink(&pixmap, title) > 2000, "title ink: {}", ink(&pixmap, title));
    let below = Rect { x: 0.0, y: page.frame.bottom() + 2.0, w: 900.0, h: 1080.0 - page.frame.bottom() - 2.0 };
    assert!(ink(&pixmap, below) > 300, "source line ink");
    // Routes and markers are vector, inside the frame.
    assert!(ink(&pixmap, page.frame) > 3000);
    // Groups a designer can find by name.
    for id in ["basemap", "place-names", "layer-1-dprk-russia-2023", "layer-1-dprk-russia-2023-sea-routes", "labels", "legend", "scale-bar", "locator", "attribution", "title", "source"] {
        assert!(svg.contains(&format!("<g id=\"{id}\"")), "group {id}");
    }
    assert!(svg.contains(r#"inkscape:label="dprk-russia-2023""#));
    assert!(svg.contains(r#"inkscape:label="Sea routes""#));
    assert!(svg.contains("data:image/png;base64,"), "the basemap is embedded");
    assert!(svg.contains(">Made with Natural Earth</text>"));
    // The embedded basemap fills the frame exactly.
    let image = format!(r#"<image x="0" y="0" width="{}" height="{}""#, page.frame.w, page.frame.h);
    assert!(svg.contains(&image), "{image}");
}

fn hostile_title() -> String {
    let mut t = String::from("\"Quoted\" <script>alert('x')</script> & ]]> <![CDATA[ x ]]> \u{0}\u{7}\u{1b}[31m \u{FFFF} — שלום עולם — مرحبا بالعالم — 나진 ");
    while t.len() < 10_000 {
        t.push_str("a very long title that goes on ");
    }
    t
}

#[test]
fn hostile_title_cannot_break_the_svg() {
    let layer = sample();
    let mut s = spec(&layer);
    s.title = Some(hostile_title());
    s.subtitle = Some("שלום עולם: Hebrew first, then Latin".into());
    s.source = Some("<Source> & \"quotes\"".into());
    s.credit = Some("Graphic: ' & \" < >".into());
    let svg = svg_of(&s);
    render_svg(&svg, "svg-hostile");
    assert!(svg.contains("&quot;Quoted&quot; &lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; ]]&gt; &lt;![CDATA[ x ]]&gt;"));
    assert!(!svg.contains("<script"));
    assert!(!svg.contains('\u{0}') && !svg.contains('\u{1b}') && !svg.contains('\u{FFFF}'));
    assert!(svg.contains("שלום עולם"));
    assert!(svg.contains("مرحبا بالعالم"));
    assert!(svg.contains(">Source: &lt;Source&gt; &amp; &quot;quotes&quot;</text>"));
    // The subtitle reads right to left (embedding marks around it) and sits at the right margin.
    assert!(svg.contains("text-anchor=\"end\" xml:space=\"preserve\">\u{202B}שלום עולם: Hebrew first, then Latin\u{202C}</text>"));
    // The whole title is kept in <title>; the page shows two lines of it, cut with an ellipsis.
    let page = export::layout(&s).unwrap();
    let title = text_blocks(&page).into_iter().find(|(id, _)| id == "title").unwrap().1;
    assert_eq!(title.lines.len(), 2);
    assert!(title.lines[1].ends_with('…'));
}

#[test]
fn hostile_title_cannot_break_the_png() {
    let layer = sample();
    let mut s = spec(&layer);
    s.title = Some(hostile_title());
    s.credit = Some(hostile_title());
    s.source = Some(hostile_title());
    s.size = [800, 600];
    let done = export::export(&s).unwrap();
    let img = png_rgb(&done.bytes);
    assert_eq!(img.dimensions(), (800, 600));
    // The PNG has no Hebrew or Arabic glyphs, and says so.
    assert!(done.notices.iter().any(|n| n.starts_with("the title has characters the bundled fonts cannot draw")), "{:?}", done.notices);
    let haifa = common::read(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"site","name":"חיפה"},"geometry":{"type":"Point","coordinates":[34.99,32.79]}}]}"#).layer;
    let done = export::export(&spec(&haifa)).unwrap();
    assert!(done.notices.iter().any(|n| n.starts_with("map labels have characters")), "{:?}", done.notices);
    let page = export::layout(&s).unwrap();
    assert_no_overlaps(&page);
    assert!(page.frame.h > 200.0, "the map keeps its room: {:?}", page.frame);
}

// ---------------------------------------------------------------------------------------------
// Layout

fn text_blocks(page: &Page) -> Vec<(String, portolan::export::layout::TextBlock)> {
    fn walk(g: &portolan::export::layout::Group, out: &mut Vec<(String, portolan::export::layout::TextBlock)>) {
        for item in &g.items {
            if let Item::Text(t) = item {
                out.push((g.id.clone(), t.clone()));
            }
        }
        for c in &g.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    for g in page.groups.iter().filter(|g| g.space == Space::Page) {
        walk(g, &mut out);
    }
    out
}

/// The page's texts (outside the map) as rectangles: none overlaps another, the frame, or the
/// page edge.
fn assert_no_overlaps(page: &Page) {
    let f = portolan::export::text::fonts();
    let mut rects: Vec<(String, Rect)> = Vec::new();
    for (id, t) in text_blocks(page) {
        for (i, line) in t.lines.iter().enumerate() {
            let w = f.width(line, t.size, t.weight);
            let base = t.baseline + i as f32 * t.line_height;
            let r = Rect { x: t.line_x(w), y: base - t.size * 0.95, w, h: t.size * 1.2 };
            assert!(r.x >= 0.0 && r.right() <= page.size[0] + 0.5 && r.y >= 0.0 && r.bottom() <= page.size[1], "{id} leaves the page: {r:?}");
            assert!(!r.intersects(&page.frame), "{id} line {i} overlaps the map frame: {r:?} {:?}", page.frame);
            rects.push((format!("{id}[{i}] {line:.20}"), r));
        }
    }
    for (i, (a, ra)) in rects.iter().enumerate() {
        for (b, rb) in &rects[i + 1..] {
            // Lines set one line height apart touch: not an overlap.
            assert!(!ra.expanded(-0.01).intersects(&rb.expanded(-0.01)), "{a} overlaps {b}: {ra:?} {rb:?}");
        }
    }
}

#[test]
fn texts_never_overlap_at_any_size() {
    let layer = sample();
    let long = "A long line of words that will have to wrap onto another line and then another one ".repeat(6);
    for size in [[1920, 1080], [1280, 720], [800, 600], [600, 900], [320, 320]] {
        for texts in [false, true] {
            let mut s = spec(&layer);
            s.size = size;
            if texts {
                s.title = Some(long.clone());
                s.subtitle = Some(long.clone());
                s.source = Some(long.clone());
                s.credit = Some("Graphic: A. Long-Name Person / The Daily Newsroom Graphics Desk".into());
            }
            match export::layout(&s) {
                Ok(page) => assert_no_overlaps(&page),
                Err(e) => assert!(size[0] < 400, "{size:?}: {e}"),
            }
        }
    }
}

/// The map's labels as rectangles in frame pixels (measured with the bundled font, from 0.6 em
/// above to 0.6 em below the centre line), the leaders, and the site markers.
type LabelGeometry = (Vec<(String, Rect)>, Vec<[[f32; 2]; 2]>, Vec<([f32; 2], f32)>);

fn map_labels(page: &Page) -> LabelGeometry {
    use portolan::scene::Primitive;
    fn walk(g: &portolan::export::layout::Group, out: &mut Vec<(String, Item)>) {
        out.extend(g.items.iter().map(|i| (g.id.clone(), i.clone())));
        for c in &g.children {
            walk(c, out);
        }
    }
    let mut items = Vec::new();
    for g in page.groups.iter().filter(|g| g.space == Space::Frame) {
        walk(g, &mut items);
    }
    let f = portolan::export::text::fonts();
    let (mut labels, mut leaders, mut markers) = (Vec::new(), Vec::new(), Vec::new());
    for (id, item) in items {
        match item {
            Item::Text(t) if id == "labels" => {
                let w = f.width(&t.lines[0], t.size, t.weight);
                let centre = t.baseline - t.size * portolan::export::text::CENTRE_TO_BASELINE_EM;
                labels.push((t.lines[0].clone(), Rect { x: t.line_x(w), y: centre - 0.6 * t.size, w, h: 1.2 * t.size }));
            }
            Item::Shape(Primitive::Line { points, .. }) if id == "labels" => leaders.push([points[0], points[1]]),
            Item::Shape(Primitive::Circle { center, radius, stroke, .. }) if id.ends_with("-sites") && radius <= 16.0 => {
                markers.push((center, radius + stroke.map_or(0.0, |s| s.width / 2.0)));
            }
            _ => {}
        }
    }
    (labels, leaders, markers)
}

#[test]
fn map_labels_overlap_no_label_or_marker_and_stay_in_the_frame() {
    let layer = sample();
    for size in [[1920, 1080], [1200, 800]] {
        let mut s = spec(&layer);
        s.size = size;
        s.extent = Extent::Fit;
        let page = export::layout(&s).unwrap();
        let (labels, leaders, markers) = map_labels(&page);
        assert!(labels.len() >= 8, "{size:?}: most sites keep their label: {labels:?}");
        assert!(markers.len() >= labels.len(), "{size:?}: {} markers", markers.len());
        let frame = Rect { x: 0.0, y: 0.0, w: page.frame.w, h: page.frame.h };
        for (i, (a, ra)) in labels.iter().enumerate() {
            assert!(ra.x >= frame.x && ra.y >= frame.y && ra.right() <= frame.right() && ra.bottom() <= frame.bottom(), "{size:?}: {a} leaves the map frame: {ra:?} {frame:?}");
            for (b, rb) in &labels[i + 1..] {
                assert!(!ra.intersects(rb), "{size:?}: label {a} overlaps {b}: {ra:?} {rb:?}");
            }
            for (c, r) in &markers {
                let q = [c[0].clamp(ra.x, ra.right()), c[1].clamp(ra.y, ra.bottom())];
                assert!((q[0] - c[0]).hypot(q[1] - c[1]) >= *r, "{size:?}: label {a} covers the marker at {c:?}: {ra:?}");
            }
            for [p, q] in &leaders {
                // Sampled along the leader: no point of it inside another label.
                let inside = (0..=20).map(|k| k as f32 / 20.0).any(|t| ra.contains([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]));
                assert!(!inside, "{size:?}: a leader crosses label {a}: {p:?} {q:?} {ra:?}");
            }
        }
        // The labels left out are named in a notice.
        let drawn: Vec<&str> = labels.iter().map(|(t, _)| t.as_str()).collect();
        let named: Vec<&str> = layer.features.iter().filter(|f| f.kind() == portolan::model::FeatureKind::Site).filter_map(|f| f.name()).collect();
        if let Some(missing) = named.iter().find(|n| !drawn.contains(n)) {
            let notice = page.notices.iter().find(|n| n.contains("could not be placed")).unwrap_or_else(|| panic!("{size:?}: no notice for {missing}: {:?}", page.notices));
            assert!(notice.contains(missing) || notice.contains("more"), "{notice}");
        }
    }
}

#[test]
fn every_artboard_keeps_its_texts_on_the_page() {
    use portolan::export::artboard::{PRESETS, PageSize};
    let layer = sample();
    let long = "A long line of words that will have to wrap onto another line and then another one ".repeat(6);
    for a in PRESETS {
        for texts in [false, true] {
            let mut s = spec(&layer);
            a.apply(&mut s, None, None);
            if texts {
                s.title = Some(long.clone());
                s.subtitle = Some(long.clone());
                s.source = Some(long.clone());
                s.credit = Some("Graphic: A. Long-Name Person / The Daily Newsroom Graphics Desk".into());
            }
            let page = export::layout(&s).unwrap_or_else(|e| panic!("{}: {e}", a.name));
            assert_no_overlaps(&page);
            // The title is there, whole or cut with an ellipsis, never dropped.
            let blocks = text_blocks(&page);
            assert!(blocks.iter().any(|(id, t)| id == "title" && !t.lines.is_empty()), "{}: no title", a.name);
            assert!(page.frame.w >= 150.0 && page.frame.h >= 100.0, "{}: map frame {:?}", a.name, page.frame);
        }
        // Print artboards are their size at their resolution.
        if let PageSize::Mm([w_mm, h_mm]) = a.size {
            let mut s = spec(&layer);
            a.apply(&mut s, None, None);
            let [w, h] = s.output_size();
            let mm = |px: u32| f64::from(px) / f64::from(s.effective_dpi()) * 25.4;
            assert!((mm(w) - f64::from(w_mm)).abs() < 0.3 && (mm(h) - f64::from(h_mm)).abs() < 0.3, "{}: {w}x{h} px", a.name);
            assert_eq!(s.effective_dpi(), 300.0);
        }
    }
}

#[test]
fn export_command_writes_every_artboard_asked_for() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artboards");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("map.png");
    let (code, stdout, stderr) = run(&["export", common::SAMPLE, "--out", out.to_str().unwrap(), "--artboards", "mobile,desktop,print2"]);
    assert_eq!(code, 0, "{stderr}");
    for (name, size, dpi) in [("mobile", [800, 1200], 144.0), ("desktop", [1200, 800], 72.0), ("print2", [1263, 1063], 300.0)] {
        let path = dir.join(format!("map-{name}.png"));
        assert!(stdout.contains(&format!("wrote {}", path.display())), "{stdout}");
        let img = image::open(&path).unwrap();
        assert_eq!([img.width(), img.height()], size, "{name}");
        let (ppm, _) = export::png::read_pixels_per_metre(&std::fs::read(&path).unwrap()).expect("pHYs");
        assert!((f64::from(ppm) * 0.0254 - dpi).abs() < 0.5, "{name}: {ppm} px per metre");
    }
    assert!(!dir.join("map.png").exists(), "only the artboards are written");
    // A page in millimetres.
    let (code, stdout, stderr) = run(&["export", common::SAMPLE, "--out", dir.join("col.pdf").to_str().unwrap(), "--size", "107mmx90mm"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("107 × 90 mm page"), "{stdout}");
    // Unknown artboards, and --scale with millimetres, are refused with the choices.
    let (code, _, stderr) = run(&["export", common::SAMPLE, "--out", out.to_str().unwrap(), "--artboards", "mobile,tabloid"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("tabloid") && stderr.contains("print3"), "{stderr}");
    let (code, _, stderr) = run(&["export", common::SAMPLE, "--out", out.to_str().unwrap(), "--size", "52mmx80mm", "--scale", "2"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--dpi"), "{stderr}");
}

#[test]
fn legend_lists_what_is_in_view() {
    let layer = sample();
    let s = spec(&layer);
    let page = export::layout(&s).unwrap();
    let legend: Vec<String> = text_blocks(&page).into_iter().filter(|(id, _)| id.starts_with("legend")).map(|(_, t)| t.lines.join(" ")).collect();
    assert_eq!(legend, ["Site", "Site, low confidence", "Area, extent inferred", "Sea route, AIS off (schematic)", "Rail corridor (inferred)"]);
    // Zoomed onto Peter the Great Gulf: no area (Tikhoretsk is far away), and the uncertainty
    // circles are big enough to show.
    let mut s = spec(&layer);
    s.extent = Extent::BBox([131.0, 42.2, 133.2, 43.4]);
    let page = export::layout(&s).unwrap();
    let legend: Vec<String> = text_blocks(&page).into_iter().filter(|(id, _)| id.starts_with("legend")).map(|(_, t)| t.lines.join(" ")).collect();
    assert!(legend.contains(&"Location uncertainty".to_owned()), "{legend:?}");
    assert!(!legend.iter().any(|l| l.starts_with("Area")), "{legend:?}");
}

#[test]
fn scale_bar_is_round_and_true_for_the_latitude() {
    let layer = sample();
    let mut s = spec(&layer);
    s.extent = Extent::BBox([131.0, 42.2, 133.2, 43.4]);
    let page = export::layout(&s).unwrap();
    let bar = page.groups.iter().find(|g| g.id == "scale-bar").unwrap();
    let labels: Vec<String> = bar.items.iter().filter_map(|i| if let Item::Text(t) = i { Some(t.lines[0].clone()) } else { None }).collect();
    let km_label = &labels[0];
    let km: f64 = km_label.trim_end_matches(" km").parse().unwrap();
    assert!([1.0, 2.0, 5.0, 10.0, 20.0, 50.0].contains(&km), "{labels:?}");
    assert!(labels[1].ends_with(" nmi"));
    // The km bar is km · 1000 · px_per_metre(lat of the centre) long.
    let bars: Vec<f32> = bar
        .items
        .iter()
        .filter_map(|i| if let Item::Shape(portolan::scene::Primitive::Line { points, .. }) = i { Some(points[2][0] - points[1][0]) } else { None })
        .collect();
    let (_, lat) = portolan::export::layout::centre_lonlat(&page);
    let want = km * 1000.0 * page.transform.px_per_metre(lat);
    assert!((f64::from(bars[0]) - want).abs() < 0.5, "km bar {} px, want {want}", bars[0]);
    let nmi: f64 = labels[1].trim_end_matches(" nmi").parse().unwrap();
    let want = nmi * 1852.0 * page.transform.px_per_metre(lat);
    assert!((f64::from(bars[1]) - want).abs() < 0.5, "nmi bar {} px, want {want}", bars[1]);
}

#[test]
fn preview_and_view_for_the_app_dialog() {
    let layer = sample();
    let mut s = spec(&layer);
    // The dialog starts from the map view: centre and zoom as walkers has them.
    s.extent = Extent::View { lon: 132.2, lat: 43.0, zoom: 8.5 };
    let page = export::layout(&s).unwrap();
    assert!((page.zoom - 8.5).abs() < 1e-9);
    let (lon, lat) = portolan::export::layout::centre_lonlat(&page);
    assert!((lon - 132.2).abs() < 1e-6 && (lat - 43.0).abs() < 1e-6, "{lon} {lat}");
    // A preview fits the box it is given, with the page's proportions.
    let p = export::preview(&s, [480, 400]).unwrap();
    assert_eq!((p.width(), p.height()), (480, 270));
    // The same layout as the export: the title's ink where the export has it.
    let full = png_rgb(&export::export(&s).unwrap().bytes);
    let small = downsample(&full, 4);
    let dark = |x: u32, y: u32, img: &image::RgbImage| img.get_pixel(x, y).0.iter().map(|c| u32::from(*c)).sum::<u32>() < 500;
    let preview = image::RgbImage::from_fn(480, 270, |x, y| {
        let c = p.pixel(x, y).unwrap().demultiply();
        image::Rgb([c.red(), c.green(), c.blue()])
    });
    let agree = (0..480).flat_map(|x| (0..60).map(move |y| (x, y))).filter(|&(x, y)| dark(x, y, &small) == dark(x, y, &preview)).count();
    assert!(agree > 480 * 60 * 9 / 10, "{agree}");
}

// ---------------------------------------------------------------------------------------------
// Filters

#[test]
fn layers_and_time_range_filter_what_is_drawn() {
    let layer = sample();
    let count = |s: &ExportSpec, group: &str| -> usize {
        let page = export::layout(s).unwrap();
        let find = page.groups.iter().flat_map(|g| g.children.iter()).find(|g| g.id.ends_with(group));
        find.map_or(0, |g| g.items.len())
    };
    let all = spec(&layer);
    assert!(count(&all, "sea-routes") > 0 && count(&all, "rail-corridors") > 0);
    let mut only = spec(&layer);
    only.only = vec!["sea routes".into(), "site".into()];
    assert!(count(&only, "sea-routes") > 0 && count(&only, "sites") > 0);
    assert_eq!(count(&only, "rail-corridors"), 0);
    let mut bad = spec(&layer);
    bad.only = vec!["railways".into()];
    let e = export::layout(&bad).unwrap_err().to_string();
    assert!(e.contains("\"railways\"") && e.contains("rail_corridor"), "{e}");
    // December 2023 to March 2024: the Vostochny lane and the lanes still running; the
    // September–October rail corridors are left out; sites (no period) stay.
    let mut late = spec(&layer);
    late.time_range = portolan::model::time::DateRange::parse("2023-12/2024-03");
    let page = export::layout(&late).unwrap();
    let rails = page.groups.iter().flat_map(|g| g.children.iter()).find(|g| g.id.ends_with("rail-corridors"));
    let all_rails = count(&all, "rail-corridors");
    assert!(rails.map_or(0, |g| g.items.len()) < all_rails);
    assert!(page.meta.subtitle.ends_with("Shown: December 2023 – March 2024."), "{}", page.meta.subtitle);
    assert!(count(&late, "sites") > 0);
}

// ---------------------------------------------------------------------------------------------
// Online tiles

/// A tile server on 127.0.0.1 answering every request with `body`.
fn tile_server(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/{{z}}/{{x}}/{{y}}.png")
}

fn tiles(template: &str, cache: &Path) -> BasemapChoice {
    let source = portolan::tiles::XyzSource::custom(template, "© Test tiles").unwrap();
    BasemapChoice::Tiles(Arc::new(portolan::tiles::TileFetcher::new(source, Some(cache.to_owned()))))
}

#[test]
fn online_tiles_are_stitched_and_credited() {
    let mut tile = tiny_skia::Pixmap::new(256, 256).unwrap();
    tile.fill(tiny_skia::Color::from_rgba8(200, 30, 160, 255));
    let template = tile_server(tile.encode_png().unwrap());
    let cache = tempfile::tempdir().unwrap();
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [800, 500];
    s.basemap = tiles(&template, cache.path());
    let done = export::export(&s).unwrap();
    let notices = other_than_labels(&done.notices);
    assert!(notices.is_empty(), "{notices:?}");
    let img = png_rgb(&done.bytes);
    let page = export::layout(&s).unwrap();
    // The frame shows the tiles' colour where nothing is drawn on them.
    let p = img.get_pixel(page.frame.x as u32 + 150, page.frame.y as u32 + 80);
    assert_eq!(p.0, [200, 30, 160]);
    // Both credits: the tiles, and Natural Earth for the locator inset.
    assert_eq!(page.meta.attribution, ["© Test tiles", "Made with Natural Earth"]);
}

#[test]
fn unreachable_tiles_fall_back_to_the_offline_basemap_with_a_notice() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let cache = tempfile::tempdir().unwrap();
    let layer = sample();
    let mut s = spec(&layer);
    s.size = [640, 400];
    s.basemap = tiles(&format!("http://{addr}/{{z}}/{{x}}/{{y}}.png"), cache.path());
    s.format = Format::Svg;
    let done = export::export(&s).unwrap();
    let notices = other_than_labels(&done.notices);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("offline basemap"), "{notices:?}");
    let svg = String::from_utf8(done.bytes).unwrap();
    assert!(svg.contains(">Made with Natural Earth</text>"));
    assert!(!svg.contains("Test tiles"));
}

// ---------------------------------------------------------------------------------------------
// The command

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).env("XDG_CACHE_HOME", std::env::temp_dir()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn export_command_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("case.png");
    let (code, out, err) = run(&[
        "export",
        common::SAMPLE,
        "--out",
        png.to_str().unwrap(),
        "--size",
        "800x500",
        "--scale",
        "2",
        "--title",
        "Munitions by sea and rail",
        "--credit",
        "Graphic: Test",
        "--time-range",
        "2023-09/2023-10",
        "--layers",
        "site,sea_route,rail_corridor",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1600×1000 px, 144 dpi"), "{out}");
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 1000));
    let svg = dir.path().join("case.svg");
    let (code, out, err) = run(&["export", common::SAMPLE, "--out", svg.to_str().unwrap(), "--bbox", "130.5,41.8,133.5,43.8", "--dpi", "300"]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains(">North Korean munitions to Russia, 2023–2024</text>"));
    render_svg(&text, "svg-cli");
    // Only the two outputs and their alt texts, no temporary files left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["case.png", "case.png.txt", "case.svg", "case.svg.txt"]);
}

#[test]
fn export_command_refuses_bad_arguments_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map.png");
    let out = out.to_str().unwrap();
    for args in [
        vec!["export", "--out", out],
        vec!["export", common::SAMPLE],
        vec!["export", common::SAMPLE, "--out", "map.jpg"],
        vec!["export", common::SAMPLE, "--out", out, "--size", "19x10"],
        vec!["export", common::SAMPLE, "--out", out, "--size", "big"],
        vec!["export", common::SAMPLE, "--out", out, "--scale", "5"],
        vec!["export", common::SAMPLE, "--out", out, "--scale", "NaN"],
        vec!["export", common::SAMPLE, "--out", out, "--dpi", "0"],
        vec!["export", common::SAMPLE, "--out", out, "--bbox", "1,2,3"],
        vec!["export", common::SAMPLE, "--out", out, "--bbox", "1,2,3,4", "--fit"],
        vec!["export", common::SAMPLE, "--out", out, "--time-range", "2023-13"],
        vec!["export", common::SAMPLE, "--out", out, "--time-range", "2024/2023"],
        vec!["export", common::SAMPLE, "--out", out, "--basemap", "ftp://x/{z}/{x}/{y}"],
        vec!["export", common::SAMPLE, "--out", out, "--no-such-flag"],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing was written");
}

#[test]
fn export_command_fails_cleanly_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map.png");
    let out = out.to_str().unwrap();
    // A box with latitudes past the Mercator limit, an unknown layer, a missing input file.
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["export", common::SAMPLE, "--out", out, "--bbox", "10,-89,20,10"], "bbox"),
        (vec!["export", common::SAMPLE, "--out", out, "--layers", "railways"], "no layer or feature kind is called \"railways\""),
        (vec!["export", "/nonexistent/case.geojson", "--out", out], "/nonexistent/case.geojson"),
        (vec!["export", common::SAMPLE, "--out", "/nonexistent-dir/map.png"], "does not exist"),
    ];
    for (args, message) in cases {
        let (code, _, err) = run(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "no file, not even a partial one");
}

#[test]
fn export_to_an_unwritable_place_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    // The output's folder is a file: nothing can be created in it.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("map.png");
    let (code, _, err) = run(&["export", common::SAMPLE, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot write"), "{err}");
    // Writing over a folder is refused too, and the folder stays as it was.
    let folder = dir.path().join("taken.png");
    std::fs::create_dir(&folder).unwrap();
    let (code, _, err) = run(&["export", common::SAMPLE, "--out", folder.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(folder.is_dir());
    // A read-only folder (meaningless for root, who may write anywhere).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe = ro.join("probe");
        let root = std::fs::write(&probe, b"").is_ok();
        if !root {
            let (code, _, err) = run(&["export", common::SAMPLE, "--out", ro.join("map.png").to_str().unwrap(), "--size", "640x400"]);
            assert_eq!(code, 1, "{err}");
            assert!(err.contains("cannot write"), "{err}");
            assert!(std::fs::read_dir(&ro).unwrap().next().is_none(), "no partial file");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let names: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
}
