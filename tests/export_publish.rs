//! The newsroom formats beyond PNG and SVG: the print PDF (read back with poppler's tools,
//! which `.ci/run` installs as the Debian package poppler-utils).

use std::path::{Path, PathBuf};
use std::process::Command;

use portolan::export::{self, ExportLayer, ExportSpec, Format};
use portolan::model::Layer;

const BIN: &str = env!("CARGO_BIN_EXE_portolan");

fn sample() -> Layer {
    portolan::io::sample_case().layer
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export_publish").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs one of poppler's tools; they are part of the test set-up, so a missing one fails.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed for this test (Debian package poppler-utils): {e}"));
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Averages `k`×`k` blocks, so that the two renderers' antialiasing does not count.
fn downsample(img: &image::RgbImage, k: u32) -> image::RgbImage {
    image::imageops::resize(img, img.width() / k, img.height() / k, image::imageops::FilterType::Triangle)
}

/// (mean channel difference, share of pixels differing by more than 48 in a channel).
fn difference(a: &image::RgbImage, b: &image::RgbImage) -> (f64, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let (mut total, mut differing) = (0u64, 0u64);
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d = (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap_or(0);
        total += u64::from(d);
        differing += u64::from(d > 48);
    }
    let n = f64::from(a.width() * a.height());
    (total as f64 / n, differing as f64 / n)
}

#[test]
fn pdf_matches_the_png_and_its_text_is_real() {
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.scale = 2.0;
    spec.dpi = Some(144.0);
    spec.title = Some("Munitions by sea and rail: Rajin to Tikhoretsk".into());
    let dir = out_dir("pdf");
    export::save(&spec, &dir.join("map.png")).unwrap();
    let pdf_path = dir.join("map.pdf");
    let pdf = export::save(&spec, &pdf_path).unwrap();
    assert_eq!(pdf.format, Format::Pdf);
    assert!(pdf.bytes.starts_with(b"%PDF-"), "a PDF file");

    // The page is the PNG's pixels at its resolution: 3840 px at 144 dpi = 1920 pt.
    let info = poppler("pdfinfo", &[pdf_path.to_str().unwrap()]);
    assert!(info.contains("Page size:       1920 x 1080 pts"), "{info}");
    assert!(info.contains("Title:           Munitions by sea and rail: Rajin to Tikhoretsk"), "{info}");
    assert!(info.contains("Pages:           1"), "{info}");

    // Real text, in the bundled fonts, embedded as subsets.
    let text = poppler("pdftotext", &[pdf_path.to_str().unwrap(), "-"]);
    assert!(text.contains("Munitions by sea and rail: Rajin to Tikhoretsk"), "the title is text: {text}");
    assert!(text.contains("Tikhoretsk ammunition depot"), "site labels are text");
    assert!(text.contains("Made with Natural Earth"), "the attribution is text");
    let fonts = poppler("pdffonts", &[pdf_path.to_str().unwrap()]);
    let font_rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(font_rows.iter().any(|r| r.contains("NotoSans-Regular")), "{fonts}");
    assert!(font_rows.iter().any(|r| r.contains("NotoSans-Bold")), "{fonts}");
    for row in &font_rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name, type…, encoding, emb, sub, uni, object, generation
        let n = cols.len();
        assert!(n >= 6 && cols[n - 5] == "yes" && cols[n - 4] == "yes", "embedded and subset: {row}");
    }

    // Rendered by poppler at the PNG's resolution, it is the PNG.
    let prefix = dir.join("poppler");
    poppler("pdftoppm", &["-r", "144", "-png", "-singlefile", pdf_path.to_str().unwrap(), prefix.to_str().unwrap()]);
    let rendered = image::open(dir.join("poppler.png")).unwrap().to_rgb8();
    let want = image::open(dir.join("map.png")).unwrap().to_rgb8();
    assert_eq!(rendered.dimensions(), want.dimensions());
    let (mean, share) = difference(&downsample(&rendered, 4), &downsample(&want, 4));
    eprintln!("PDF vs PNG at 1/4 size: mean difference {mean:.2}, {:.3} % of pixels differ by more than 48", share * 100.0);
    assert!(mean < 3.0 && share < 0.01, "the PDF looks unlike the PNG: mean {mean:.2}, {:.3} % differing", share * 100.0);
}

#[test]
fn pdf_page_size_follows_scale_and_dpi() {
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.size = [1200, 800];
    spec.scale = 4.0;
    spec.format = Format::Pdf;
    let done = export::export(&spec).unwrap();
    // 4800 px at 300 dpi is 16 in, 1152 pt.
    assert_eq!(done.dpi, 300.0);
    let dir = out_dir("pdf-size");
    let path = dir.join("print.pdf");
    std::fs::write(&path, &done.bytes).unwrap();
    let info = poppler("pdfinfo", &[path.to_str().unwrap()]);
    assert!(info.contains("Page size:       1152 x 768 pts"), "{info}");
}

#[test]
fn export_command_writes_a_pdf() {
    let dir = out_dir("pdf-cli");
    let out = dir.join("map.pdf");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/dprk-russia-2023.portolan.geojson");
    let run = Command::new(BIN)
        .args(["export", case.to_str().unwrap(), "--out", out.to_str().unwrap(), "--scale", "3", "--size", "1200x800"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // 3600 px at 300 dpi: 304.8 mm.
    assert!(stdout.contains("305 × 203 mm page"), "{stdout}");
    let text = poppler("pdftotext", &[out.to_str().unwrap(), "-"]);
    assert!(text.contains("North Korean munitions to Russia"), "{text}");
}

#[test]
fn every_export_has_its_alt_text_beside_it() {
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.extent = export::Extent::BBox([129.0, 41.5, 133.5, 44.0]);
    spec.time_range = portolan::model::time::DateRange::parse("2023-08/2023-12");
    let dir = out_dir("alt-text");
    for name in ["gulf.png", "gulf.svg", "gulf.pdf"] {
        let done = export::save(&spec, &dir.join(name)).unwrap();
        let path = dir.join(format!("{name}.txt"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(text, done.alt_text);
        assert!(text.starts_with("Map: North Korean munitions to Russia, 2023–2024."), "{text}");
        // Where: the box asked for (the page is wider, so the longitudes grow).
        assert!(text.contains("from 41.") && text.contains("° N to 44."), "{text}");
        // What: the kinds in the legend, and the labelled sites.
        assert!(text.contains("Rajin (Najin) port"), "{text}");
        assert!(text.contains("Sea route"), "{text}");
        // When and whose.
        assert!(text.contains("Only what was known or happening in"), "{text}");
        assert!(text.contains("Sources:") && text.contains("Basemap: Made with Natural Earth."), "{text}");
    }
}

/// Pixels close to the rail corridors' blue (Okabe–Ito 0072B2), after GIF quantisation.
fn rail_blue(frame: &image::RgbaImage) -> usize {
    frame.pixels().filter(|p| p[0].abs_diff(0x00) < 40 && p[1].abs_diff(0x72) < 40 && p[2].abs_diff(0xB2) < 40).count()
}

#[test]
fn animated_gif_has_a_frame_per_step_and_the_routes_grow() {
    let dir = out_dir("gif");
    let out = dir.join("route.gif");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/dprk-russia-2023.portolan.geojson");
    let run = Command::new(BIN)
        .args(["export", case.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--animate", "2023-08/2023-12", "--step", "1mo", "--fps", "2", "--size", "640x400"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // 1 August, 1 September … 1 December, and the last day, 31 December.
    assert!(stdout.contains("6 frames of 640×400 px, 3.0 s long"), "{stdout}");

    // The GIF as written: loops, the first frame whole, the others only what changed.
    let mut decoder = gif::DecodeOptions::new().read_info(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!((decoder.width(), decoder.height()), (640, 400));
    assert_eq!(decoder.repeat(), gif::Repeat::Infinite);
    let mut sizes = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.delay, 50, "2 frames per second: 50 hundredths each");
        sizes.push(u32::from(frame.width) * u32::from(frame.height));
    }
    assert_eq!(sizes.len(), 6);
    assert_eq!(sizes[0], 640 * 400);
    assert!(sizes[1..].iter().all(|s| *s < 640 * 400 / 2), "later frames are the changed part: {sizes:?}");
    // As a viewer shows them (composed frame over frame).
    use image::AnimationDecoder;
    let decoder = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap())).unwrap();
    let frames: Vec<image::RgbaImage> = decoder.into_frames().collect_frames().unwrap().into_iter().map(|f| f.into_buffer()).collect();
    assert_eq!(frames.len(), 6);
    // No rail before September; the corridors grow through the autumn.
    let blue: Vec<usize> = frames.iter().map(rail_blue).collect();
    assert!(blue[0] < blue[2] && blue[2] < blue[5], "the rail corridors grow: {blue:?}");
    // The legend and the page stand still: the header is the same in every frame.
    let header = |f: &image::RgbaImage| image::imageops::crop_imm(f, 0, 0, 640, 60).to_image();
    assert_eq!(header(&frames[0]), header(&frames[5]), "the header does not move");
    // The alt text says it is an animation.
    let alt = std::fs::read_to_string(dir.join("route.gif.txt")).unwrap();
    assert!(alt.contains("An animation of 6 frames, 2023-08-01 to 2023-12-31."), "{alt}");
}

#[test]
fn animation_frames_show_the_case_as_it_was() {
    use portolan::export::animate::{self, Animation, Step};
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.size = [800, 500];
    let anim = Animation { range: portolan::model::time::DateRange::parse("2023-09-01/2023-09-29").unwrap(), step: Step::Weeks(1), fps: 4.0 };
    let done = animate::gif(&spec, &anim).unwrap();
    assert_eq!(done.frames, 5);
    // A frame's page: the date stamp, and ships at the heads of the routes under way.
    let (day, since) = (anim.step.nth(anim.range.first, 2), anim.step.nth(anim.range.first, 1));
    spec.moment = Some(animate::Moment { day, since, monthly: false });
    let page = export::layout(&spec).unwrap();
    let stamp = page.groups.iter().find(|g| g.id == "date-stamp").expect("a date stamp");
    let texts: Vec<String> = stamp
        .items
        .iter()
        .filter_map(|i| match i {
            portolan::export::layout::Item::Text(t) => Some(t.lines.join(" / ")),
            _ => None,
        })
        .collect();
    assert_eq!(texts[0], "15 September 2023");
    let ships = page.groups.iter().find(|g| g.id == "ships").expect("ships under way");
    assert!(!ships.items.is_empty());
    // The page stands still: the frame, the locator and a detail inset are where they are in
    // the frame of the first day, when little was known yet.
    spec.detail = Some(export::DetailBox::Auto);
    let page = export::layout(&spec).unwrap();
    spec.moment = Some(animate::Moment { day: anim.range.first, since: anim.range.first, monthly: false });
    let early = export::layout(&spec).unwrap();
    assert_eq!(early.frame, page.frame);
    assert_eq!(early.locator.map(|l| l.rect), page.locator.map(|l| l.rect));
    assert_eq!(early.detail.map(|d| d.rect), page.detail.map(|d| d.rect));
    spec.detail = None;
    // Bad animations are refused with a reason.
    let bad = Animation { fps: 0.0, ..anim };
    assert!(animate::gif(&ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]), &bad).is_err());
    let dir = out_dir("gif-bad");
    assert!(animate::save(&spec, &anim, &dir.join("route.mp3")).is_err());
    assert!(!dir.join("route.mp3").exists());
}

#[test]
fn dark_page_has_light_text_on_a_dark_map() {
    use portolan::export::layout::Item;
    use portolan::export::theme::Theme;
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.size = [800, 500];
    spec.theme = Theme::Dark;
    let page = export::layout(&spec).unwrap();
    let title = page.groups.iter().find(|g| g.id == "title").unwrap();
    let Item::Text(t) = &title.items[0] else { panic!("the title is text") };
    assert!(t.color.0[0] > 0xd0, "light title: {:?}", t.color);
    let done = export::export(&spec).unwrap();
    let img = image::load_from_memory(&done.bytes).unwrap().to_rgb8();
    let corner = img.get_pixel(2, 2);
    assert!(corner.0.iter().all(|v| *v < 0x30), "dark page: {corner:?}");
    let dark_pixels = img.pixels().filter(|p| p.0.iter().all(|v| *v < 0x40)).count();
    assert!(dark_pixels > (img.width() * img.height()) as usize / 2, "mostly dark");
    // The same layout as the light page: only colours change.
    spec.theme = Theme::Light;
    let light = export::layout(&spec).unwrap();
    assert_eq!(light.frame, page.frame);
    assert_eq!(light.groups.len(), page.groups.len());
}

#[test]
fn colour_vision_check_warns_of_red_and_green_lines() {
    let layer_of = |name: &str, colour: &str| {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"stroke":"{colour}"}},"geometry":{{"type":"LineString","coordinates":[[130,42],[132,43]]}}}}]}}"#
        );
        let mut layer = portolan::io::geojson::read_str(&text).unwrap().layer;
        layer.name = name.into();
        layer
    };
    let (red, green) = (layer_of("Tanker tracks", "#d62728"), layer_of("Cargo tracks", "#2ca02c"));
    let spec = ExportSpec::new(vec![ExportLayer { layer: &red, opacity: 1.0 }, ExportLayer { layer: &green, opacity: 1.0 }]);
    let done = export::export(&spec).unwrap();
    let warning = done.notices.iter().find(|n| n.starts_with("colour vision")).unwrap_or_else(|| panic!("{:?}", done.notices));
    assert!(warning.contains("Tanker tracks") && warning.contains("Cargo tracks") && warning.contains("deuteranopia"), "{warning}");
    // The sample case's own symbology passes.
    let layer = sample();
    let done = export::export(&ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }])).unwrap();
    assert!(!done.notices.iter().any(|n| n.starts_with("colour vision")), "{:?}", done.notices);
}

#[test]
fn detail_inset_of_peter_the_great_gulf() {
    use portolan::export::DetailBox;
    use portolan::export::layout::Item;
    let layer = sample();
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.size = [1600, 900];
    // At the whole route's scale the sites of the gulf are one knot: the page says so.
    let page = export::layout(&spec).unwrap();
    let [w, s, e, n] = page.suggested_detail.expect("a crowd of sites");
    assert!(w < 131.9 && e > 132.9 && s < 42.3 && n > 43.1, "the suggestion holds Rajin to Vladivostok: {w},{s},{e},{n}");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/dprk-russia-2023.portolan.geojson");
    let out = out_dir("detail").join("route.png");
    let run = Command::new(BIN).args(["export", case.to_str().unwrap(), "--out", out.to_str().unwrap(), "--size", "1600x900"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("note: labelled sites crowd together: --detail "), "{stderr}");

    spec.detail = Some(DetailBox::Box([130.4, 42.1, 133.3, 43.5]));
    let page = export::layout(&spec).unwrap();
    let d = page.detail.expect("an inset");
    let f = page.frame;
    assert!(d.rect.x >= 0.0 && d.rect.y >= 0.0 && d.rect.right() <= f.w && d.rect.bottom() <= f.h, "inside the frame: {:?}", d.rect);
    assert!(d.transform.px_per_world > page.transform.px_per_world * 4.0, "magnified");
    // The inset does not hide the place it magnifies.
    let at = page.transform.screen_from_lonlat(131.9, 42.9);
    assert!(!d.rect.contains(at));
    let group = |id: &str| page.groups.iter().find(|g| g.id == id).unwrap_or_else(|| panic!("no group {id}"));
    let inset = group("detail-inset");
    let texts: Vec<String> = inset
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(t.lines.join(" ")),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t.contains("Dunai")), "the gulf's sites are labelled in the inset: {texts:?}");
    assert!(texts.iter().any(|t| t.ends_with(" km")), "the inset has its own scale bar: {texts:?}");
    // Everything drawn in the inset stays inside it.
    for item in &inset.items {
        if let Item::Shape(portolan::scene::Primitive::Line { points, .. }) = item {
            assert!(points.iter().all(|p| d.rect.expanded(0.5).contains(*p)), "{points:?}");
        }
    }
    assert!(!group("detail-box").items.is_empty(), "the box and its leader on the main map");

    // The writers draw it: the inset's frame in the PNG, a group and a picture in the SVG.
    let png = export::export(&spec).unwrap();
    let img = image::load_from_memory(&png.bytes).unwrap().to_rgb8();
    let edge = img.get_pixel((f.x + d.rect.x + d.rect.w / 2.0) as u32, (f.y + d.rect.y) as u32);
    assert!(edge.0.iter().all(|v| *v < 0x80), "a dark frame line: {edge:?}");
    let mut svg_spec = spec.clone();
    svg_spec.format = Format::Svg;
    let svg = String::from_utf8(export::export(&svg_spec).unwrap().bytes).unwrap();
    assert!(svg.contains(r#"id="detail-inset""#) && svg.matches("<image").count() >= 3, "basemap, locator and inset pictures");

    // `auto` takes the suggestion; a box as big as the view is refused with a reason.
    spec.detail = Some(DetailBox::Auto);
    assert!(export::layout(&spec).unwrap().detail.is_some());
    spec.detail = Some(DetailBox::Box([20.0, 30.0, 150.0, 65.0]));
    let page = export::layout(&spec).unwrap();
    assert!(page.detail.is_none());
    assert!(page.notices.iter().any(|n| n.starts_with("detail inset: ") && n.contains("magnified only")), "{:?}", page.notices);
    assert!(DetailBox::parse("1,2,3").is_err() && DetailBox::parse("auto") == Ok(DetailBox::Auto));
}

#[test]
fn animated_mp4_is_read_by_ffprobe() {
    let dir = out_dir("mp4");
    let out = dir.join("route.mp4");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/dprk-russia-2023.portolan.geojson");
    let run = Command::new(BIN)
        .args(["export", case.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--animate", "2023-09-01/2023-10-27", "--step", "1w", "--fps", "4", "--size", "640x400"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=codec_name,width,height,nb_read_frames", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("ffprobe is needed for this test (Debian package ffmpeg): {e}"));
    let text = String::from_utf8_lossy(&probe.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // Weekly from Friday 1 September to Friday 27 October: nine frames.
    assert_eq!(lines.first().copied(), Some("h264,640,400,9"), "{text}");
    let duration: f64 = lines[1].trim().parse().unwrap();
    assert!((duration - 9.0 / 4.0).abs() < 0.05, "{duration}");
    // Without --animate an .mp4 is refused; --step alone too.
    let run = Command::new(BIN).args(["export", case.to_str().unwrap(), "--out", out.to_str().unwrap()]).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let run = Command::new(BIN).args(["export", case.to_str().unwrap(), "--out", "x.png", "--step", "1d"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
}
