//! Imagery search against real servers on 127.0.0.1: the stac-utils STAC API server (its
//! memory backend, no sort or query extension) loaded with items written in Earth Search's
//! shape, and a bare socket server for the failures (500, a hang, garbage, an oversized
//! body). Covers box and date search, paging across several pages, client-side cloud
//! filtering and sorting, the CSV and GeoJSON outputs, the command line, and reopening a
//! search offline from the cache.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use portolan::imagery::{self, Catalogue, ImageryError, Query, SearchOptions};
use serde_json::json;

#[path = "support/stac.rs"]
mod stac_fixture;
use stac_fixture::{DUNAI, expected_in_period, items, s2_item, stac_server};

fn options(cache: &std::path::Path) -> SearchOptions {
    SearchOptions { timeout: Duration::from_secs(5), page_size: 7, cache_dir: Some(cache.to_path_buf()), ..SearchOptions::default() }
}

fn dunai_query() -> Query {
    let (lon, lat) = DUNAI;
    Query { bbox: Some([lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05]), from: Some("2023-08-01".into()), to: Some("2023-10-31".into()), limit: 500, ..Query::default() }
}

#[test]
fn box_and_dates_find_every_scene_across_pages_sorted_by_date() {
    let (url, _server) = stac_server(items());
    let cache = tempfile::tempdir().unwrap();
    let catalogue = Catalogue::named(&url).unwrap();
    let q = Query { collections: vec!["sentinel-2-l2a".into()], ..dunai_query() };
    let found = imagery::search(&catalogue, &q, &options(cache.path())).unwrap();
    let want = expected_in_period();
    // 20 scenes at 7 a page: 3 pages, none dropped, none repeated, oldest first; the one
    // before, the one after and the one elsewhere left out.
    assert_eq!(found.pages, 3);
    let got: Vec<(String, f64)> = found.scenes.iter().map(|s| (s.datetime.clone().unwrap(), s.cloud_cover.unwrap())).collect();
    assert_eq!(got, want);
    // This server can neither sort nor filter: Portolan does both.
    assert!(!found.server_sort && !found.server_cloud_filter);
    let s = &found.scenes[0];
    assert_eq!(s.id, "S2B_52TGN_20230801_0_L2A");
    assert_eq!((s.platform.as_deref(), s.constellation.as_deref(), s.gsd, s.off_nadir), (Some("sentinel-2b"), Some("sentinel-2"), Some(10.0), Some(0.0)));
    assert!(s.thumbnail.as_deref().is_some_and(|t| t.ends_with("/thumbnail.jpg")));
    assert!(s.self_href.as_deref().is_some_and(|h| h.starts_with(&url) && h.ends_with(&s.id)), "{:?}", s.self_href);
    assert!(s.footprint.is_some());
}

#[test]
fn cloud_filter_limit_and_radar_without_cloud_cover() {
    let (url, _server) = stac_server(items());
    let cache = tempfile::tempdir().unwrap();
    let catalogue = Catalogue::named(&url).unwrap();
    let q = Query { collections: vec!["sentinel-2-l2a".into(), "sentinel-1-grd".into()], max_cloud: Some(20.0), ..dunai_query() };
    let found = imagery::search(&catalogue, &q, &options(cache.path())).unwrap();
    let clear = expected_in_period().iter().filter(|(_, c)| *c <= 20.0).count();
    let optical = found.scenes.iter().filter(|s| s.collection.as_deref() == Some("sentinel-2-l2a")).count();
    let radar: Vec<_> = found.scenes.iter().filter(|s| s.collection.as_deref() == Some("sentinel-1-grd")).collect();
    assert_eq!(optical, clear);
    assert!(clear < expected_in_period().len());
    // Radar has no cloud cover: kept, with the field empty.
    assert_eq!(radar.len(), 3);
    assert!(radar.iter().all(|s| s.cloud_cover.is_none() && s.gsd.is_none()));
    // Sorted across both collections.
    let dates: Vec<&str> = found.scenes.iter().map(|s| s.datetime.as_deref().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    // The CSV: the issue's columns, empty where an item lacks the field.
    let csv = imagery::to_csv(&found.scenes);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,collection,datetime,platform,constellation,gsd,cloud_cover,off_nadir,sun_elevation,thumbnail,self"));
    let s1 = csv.lines().find(|l| l.starts_with("S1A_IW_GRDH_1SDV_20230916")).unwrap();
    let cols: Vec<&str> = s1.split(',').collect();
    assert_eq!((cols[3], cols[5], cols[6], cols[7]), ("sentinel-1a", "", "", ""));
    // GeoJSON footprints.
    let gj = imagery::to_geojson(&found.scenes);
    assert_eq!(gj["features"].as_array().unwrap().len(), found.scenes.len());
    assert_eq!(gj["features"][0]["geometry"]["type"], "Polygon");
    // --limit cuts the list and says so.
    let few = imagery::search(&catalogue, &Query { limit: 4, ..q }, &options(cache.path())).unwrap();
    assert_eq!(few.scenes.len(), 4);
    assert!(few.truncated);
}

#[test]
fn a_search_made_online_reopens_offline_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let q = Query { collections: vec!["sentinel-2-l2a".into()], ..dunai_query() };
    let url = {
        let (url, server) = stac_server(items());
        let online = imagery::search(&Catalogue::named(&url).unwrap(), &q, &options(cache.path())).unwrap();
        assert_eq!(online.scenes.len(), expected_in_period().len());
        drop(server);
        url
    };
    std::thread::sleep(Duration::from_millis(200));
    // The server is gone: the same search comes from the cache, marked as such.
    let offline = imagery::search(&Catalogue::named(&url).unwrap(), &q, &options(cache.path())).unwrap();
    assert!(offline.from_cache.is_some());
    assert_eq!(offline.scenes.len(), expected_in_period().len());
    // Another search was never made: offline, with a message that says so.
    let other = Query { from: Some("2024-01-01".into()), to: Some("2024-02-01".into()), ..q };
    match imagery::search(&Catalogue::named(&url).unwrap(), &other, &options(cache.path())) {
        Err(e @ ImageryError::Offline { .. }) => assert!(e.to_string().contains("cannot reach the catalogue"), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// A server that answers every request with `respond` (given the request line).
fn bare_server(respond: impl Fn(&str, &mut std::net::TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let respond = std::sync::Arc::new(respond);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let respond = respond.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                respond(&first, &mut stream);
            });
        }
    });
    url
}

fn reply(stream: &mut std::net::TcpStream, status: &str, body: &[u8]) {
    let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(body);
}

const CONFORMANCE: &str = r#"{"conformsTo":["https://api.stacspec.org/v1.0.0/core","https://api.stacspec.org/v1.0.0/item-search"]}"#;

fn failing(search: impl Fn(&mut std::net::TcpStream) + Send + Sync + 'static) -> Result<imagery::Searched, ImageryError> {
    let url = bare_server(move |line, stream| {
        if line.contains("/conformance") {
            reply(stream, "200 OK", CONFORMANCE.as_bytes());
        } else {
            search(stream);
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let o = SearchOptions { timeout: Duration::from_secs(2), page_size: 10, cache_dir: Some(cache.path().to_path_buf()), ..SearchOptions::default() };
    imagery::search(&Catalogue::named(&url).unwrap(), &dunai_query(), &o)
}

#[test]
fn failures_are_messages_not_panics() {
    let e = failing(|s| reply(s, "500 Internal Server Error", br#"{"code":"Internal","description":"database is down"}"#)).unwrap_err();
    assert!(matches!(e, ImageryError::Server { status: 500, .. }) && e.to_string().contains("database is down"), "{e}");
    let e = failing(|s| reply(s, "400 Bad Request", br#"{"detail":"bbox must have 4 numbers"}"#)).unwrap_err();
    assert!(e.to_string().contains("refused the search (400): bbox must have 4 numbers"), "{e}");
    let e = failing(|s| {
        let _ = write!(s, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    })
    .unwrap_err();
    assert_eq!(e.to_string(), "the catalogue asks to slow down (429): try again in 30 s");
    let e = failing(|s| reply(s, "200 OK", b"<html>gateway</html>")).unwrap_err();
    assert!(matches!(e, ImageryError::Malformed(_)), "{e}");
    let e = failing(|s| reply(s, "200 OK", br#"{"type":"FeatureCollection"}"#)).unwrap_err();
    assert!(e.to_string().contains("no \"features\""), "{e}");
    // 33 MB of JSON: refused after the limit, not read to the end.
    let e = failing(|s| {
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 33 << 20);
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..33 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    })
    .unwrap_err();
    assert!(matches!(e, ImageryError::TooLarge), "{e}");
    // A server that never answers: a timeout after the time asked for.
    let started = std::time::Instant::now();
    let e = failing(|_| std::thread::sleep(Duration::from_secs(10))).unwrap_err();
    assert!(matches!(e, ImageryError::Timeout(_)), "{e}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn the_command_line_searches_a_site_of_a_case_and_writes_csv() {
    let (url, _server) = stac_server(items());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scenes.csv");
    let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/dprk-russia-2023.portolan.geojson");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args(["imagery", "--site", "site_dunai_port"])
        .arg(&case)
        .args(["--from", "2023-08", "--to", "2023-10", "--catalogue", &url, "--max-cloud", "30", "--out"])
        .arg(&out)
        .env("XDG_CACHE_HOME", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    // A catalogue named by URL has no default collection: the optical scenes clear enough,
    // and the three radar scenes (no cloud cover to filter on).
    let clear = expected_in_period().iter().filter(|(_, c)| *c <= 30.0).count() + 3;
    assert!(stdout.contains(&format!("{clear} scenes, 2023-08-01 to 2023-10-31")), "{stdout}");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 1 + clear, "{csv}");
    assert!(csv.lines().nth(1).unwrap().starts_with("S2B_52TGN_20230801_0_L2A,sentinel-2-l2a,2023-08-01T02:05:01.123Z,sentinel-2b,sentinel-2,10,0,0,"), "{csv}");
    // Bad arguments are usage errors.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).args(["imagery", "--bbox", "1,2,3,4", "--catalogue", "nowhere"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown catalogue"));
}

#[test]
fn thumbnails_are_fetched_once_checked_and_saved_by_the_command_line() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A PNG of 2×2 pixels.
    let mut png = Vec::new();
    image::RgbImage::from_pixel(2, 2, image::Rgb([200, 180, 40])).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let png_len = png.len();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let thumbs = bare_server(move |line, s| {
        counted.fetch_add(1, Ordering::SeqCst);
        if line.contains("/ok/") {
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", png.len());
            let _ = s.write_all(&png);
        } else if line.contains("/garbage/") {
            reply(s, "200 OK", b"not a picture at all");
        } else {
            reply(s, "404 Not Found", b"{}");
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let o = options(cache.path());
    let url = format!("{thumbs}/ok/a.png");
    assert_eq!(imagery::thumbnail(&url, &o).unwrap().len(), png_len);
    let before = hits.load(Ordering::SeqCst);
    imagery::thumbnail(&url, &o).unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), before, "the second time comes from the cache");
    assert!(matches!(imagery::thumbnail(&format!("{thumbs}/garbage/b.png"), &o), Err(ImageryError::Malformed(_))));
    assert!(matches!(imagery::thumbnail(&format!("{thumbs}/missing/c.png"), &o), Err(ImageryError::Server { status: 404, .. })));
    assert!(imagery::thumbnail("file:///etc/passwd", &o).is_err());
    // The command line saves them beside the table, named after the scenes.
    let (lon, lat) = DUNAI;
    let mut with_thumbs = Vec::new();
    for (i, kind) in ["ok", "ok", "garbage"].iter().enumerate() {
        let mut item = s2_item(1 + 5 * i as u32, 8, 0.0, lon, lat);
        item["assets"]["thumbnail"]["href"] = json!(format!("{thumbs}/{kind}/{i}.png"));
        with_thumbs.push(item);
    }
    let (stac_url, _server) = stac_server(with_thumbs);
    let dir = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args(["imagery", "--bbox", "132.3,42.8,132.4,42.9", "--catalogue", &stac_url, "--thumbnails"])
        .arg(dir.path().join("thumbs"))
        .env("XDG_CACHE_HOME", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}");
    assert!(stdout.contains("thumbnails: 2 saved") && stdout.contains("1 failed"), "{stdout}");
    assert!(dir.path().join("thumbs/S2B_52TGN_20230801_0_L2A.png").exists());
}

/// "Add to ledger": a found scene becomes a source and an event at the site (one undo step),
/// the panel's imagery ledger reads it, a second add is refused, and the export's source line
/// credits the imagery with Copernicus's own line.
#[test]
fn a_scene_added_to_a_site_ledger_is_evidence_and_is_credited_in_exports() {
    use portolan::document::{Document, OpenLayer};
    use portolan::export::{ExportLayer, ExportSpec, Extent};
    let cache = tempfile::tempdir().unwrap();
    let (url, _server) = stac_server(items());
    let found = imagery::search(&Catalogue::named(&url).unwrap(), &dunai_query(), &options(cache.path())).unwrap();
    let scene = found.scenes.iter().find(|s| s.cloud_cover == Some(15.0)).unwrap().clone();
    assert_eq!(scene.provider(), "Copernicus Sentinel-2");

    let mut doc = Document::new();
    doc.push(OpenLayer::new(portolan::io::sample_case(), None));
    let site = portolan::document::selection::feature_ref(&doc.layers, 0, "site_dunai_port").unwrap();
    let (sources, events) = (doc.case(0).unwrap().sources.len(), doc.case(0).unwrap().events.len());
    let id = doc.add_imagery_scene(site, &scene, "Element 84 Earth Search").unwrap().expect("added");
    let case = doc.case(0).unwrap();
    assert_eq!((case.sources.len(), case.events.len()), (sources + 1, events + 1));
    let e = case.event(&id).unwrap();
    assert_eq!(e.imagery_provider.as_deref(), Some("Copernicus Sentinel-2"));
    assert_eq!(e.image_dates, vec![scene.day().unwrap().to_owned()]);
    assert_eq!(e.site_ids, vec!["site_dunai_port".to_owned()]);
    assert_eq!(e.evidence_types, vec!["satellite_imagery".to_owned()]);
    let source_id = e.source_ids[0].clone();
    let src = case.source(&source_id).unwrap();
    assert_eq!(imagery::scene_of(src), Some(scene.id.as_str()));
    assert_eq!(src.publisher, "Element 84 Earth Search");
    assert_eq!(src.extra["scene"]["cloud_cover"], 15.0);
    assert!(src.extra["scene"]["thumbnail"].as_str().is_some_and(|t| t.ends_with("thumbnail.jpg")));
    assert!(doc.feature(site).unwrap().list_prop("event_ids").contains(&id.as_str()), "the site links the event");
    assert_eq!(doc.add_imagery_scene(site, &scene, "Element 84 Earth Search").unwrap(), None, "recorded once");

    // The case saved and read again keeps the scene.
    let text = portolan::io::geojson::to_string(&doc.layers[0].layer);
    let again = portolan::io::geojson::read_str(&text).unwrap().layer;
    let kept = again.case.as_ref().unwrap().source(&source_id).unwrap();
    assert_eq!(imagery::scene_of(kept), Some(scene.id.as_str()));

    // The export of Dunai credits the imagery.
    let layer = &doc.layers[0].layer;
    let mut spec = ExportSpec::new(vec![ExportLayer { layer, opacity: 1.0 }]);
    spec.extent = Extent::BBox([132.2, 42.8, 132.5, 43.0]);
    let page = portolan::export::layout::layout_offline(&spec).unwrap();
    assert!(page.meta.source.contains("Imagery: Copernicus Sentinel-2 (contains modified Copernicus Sentinel data 2023)"), "{}", page.meta.source);
    // Far from Dunai (the depot near Tikhoretsk) nothing is credited to it.
    spec.extent = Extent::BBox([39.9, 45.8, 40.2, 45.95]);
    let page = portolan::export::layout::layout_offline(&spec).unwrap();
    assert!(!page.meta.source.contains("Imagery:"), "{}", page.meta.source);

    // One undo takes the source, the event and the link away.
    doc.undo();
    let case = doc.case(0).unwrap();
    assert_eq!((case.sources.len(), case.events.len()), (sources, events));
    assert!(!doc.feature(site).unwrap().list_prop("event_ids").contains(&id.as_str()));
}

/// The footprints layer: one outlined polygon per scene, dated, named by time and provider.
#[test]
fn footprints_are_a_dated_layer_of_outlines() {
    let scenes: Vec<imagery::Scene> = items().iter().filter_map(imagery::Scene::from_item).collect();
    let layer = imagery::footprints_layer(&scenes, "Imagery: Dunai");
    assert_eq!(layer.name, "Imagery: Dunai");
    assert_eq!(layer.features.len(), scenes.len());
    let f = &layer.features[0];
    assert!(matches!(f.geometry, Some(geo::Geometry::Polygon(_))));
    assert_eq!(f.key().as_deref(), Some(scenes[0].id.as_str()));
    assert_eq!(f.str_prop("period"), scenes[0].day());
    assert_eq!(f.str_prop("name"), Some(format!("{} · Copernicus Sentinel-2", scenes[0].when()).as_str()));
    assert_eq!(f.f64_prop("fill-opacity"), Some(0.0));
    let radar = layer.features.iter().find(|f| f.str_prop("collection") == Some("sentinel-1-grd")).unwrap();
    assert!(radar.str_prop("name").unwrap().ends_with("Copernicus Sentinel-1"));
}

/// Planetary Computer's assets: a URL in its blob storage gets the SAS token of its
/// collection (asked once, then kept), other URLs are left alone, and a token server that
/// answers nonsense is an error, not a bad URL.
#[test]
fn assets_in_signed_storage_get_the_collections_token_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let sas = bare_server(move |first, stream| {
        counter.fetch_add(1, Ordering::SeqCst);
        if first.starts_with("GET /token/landsat-c2-l2 ") {
            reply(stream, "200 OK", br#"{"msft:expiry": "2099-01-01T00:00:00Z", "token": "st=2099&se=2099&sp=rl&sig=abc%3D"}"#);
        } else {
            reply(stream, "200 OK", b"{\"nothing\": 1}");
        }
    });
    let pc = Catalogue { sas: Some(format!("{sas}/token")), ..Catalogue::named("planetary-computer").unwrap() };
    let o = SearchOptions { cache_dir: None, ..SearchOptions::default() };
    let blob = "https://landsateuwest.blob.core.windows.net/landsat-c2/level-2/LC09_thumb_small.jpeg";
    let signed = imagery::signed(&pc, Some("landsat-c2-l2"), blob, &o).unwrap();
    assert_eq!(signed, format!("{blob}?st=2099&se=2099&sp=rl&sig=abc%3D"));
    assert_eq!(imagery::signed(&pc, Some("landsat-c2-l2"), blob, &o).unwrap(), signed);
    assert_eq!(asked.load(Ordering::SeqCst), 1, "the token is asked once per collection");
    // Not in the storage, or no collection: as it is, without asking.
    let preview = "https://planetarycomputer.microsoft.com/api/data/v1/item/preview.png?collection=x&item=y";
    assert_eq!(imagery::signed(&pc, Some("landsat-c2-l2"), preview, &o).unwrap(), preview);
    assert_eq!(imagery::signed(&pc, None, blob, &o).unwrap(), blob);
    assert_eq!(imagery::signed(&Catalogue::named("earth-search").unwrap(), Some("landsat-c2-l2"), blob, &o).unwrap(), blob);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    // A token server without a token.
    assert!(matches!(imagery::signed(&pc, Some("sentinel-2-l2a"), blob, &o), Err(ImageryError::Malformed(_))));
}
