//! Online tiles against a tile server started on 127.0.0.1 inside the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use portolan::tiles::{TileError, TileFetcher, XyzSource, user_agent};

/// What the server saw: one entry per request, (path, User-Agent).
type Log = Arc<Mutex<Vec<(String, String)>>>;

/// Serves `body` with `status` to every request, logging what it was asked.
fn serve(status: u16, body: Vec<u8>) -> (String, Log) {
    let (template, log, _) = serve_switchable(status, body);
    (template, log)
}

/// The same, with a switch that makes the server hang up on every request.
fn serve_switchable(status: u16, body: Vec<u8>) -> (String, Log, Arc<std::sync::atomic::AtomicBool>) {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let is_down = down.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            if is_down.load(std::sync::atomic::Ordering::SeqCst) {
                drop(stream);
                continue;
            }
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut agent = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("user-agent")
                {
                    agent = v.trim().to_owned();
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
            seen.lock().unwrap().push((path, agent));
            let head = format!("HTTP/1.1 {status} X\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (format!("http://{addr}/{{z}}/{{x}}/{{y}}.png"), log, down)
}

fn png(color: [u8; 4]) -> Vec<u8> {
    let mut p = tiny_skia::Pixmap::new(256, 256).unwrap();
    p.fill(tiny_skia::Color::from_rgba8(color[0], color[1], color[2], color[3]));
    p.encode_png().unwrap()
}

fn source(template: &str) -> XyzSource {
    XyzSource::custom(template, "© Test tiles").unwrap()
}

#[test]
fn tiles_are_fetched_with_portolan_user_agent_and_cached_on_disk() {
    let (template, log) = serve(200, png([10, 120, 200, 255]));
    let cache = tempfile::tempdir().unwrap();
    let fetcher = TileFetcher::new(source(&template), Some(cache.path().to_owned()));
    let tile = fetcher.fetch_pixmap(5, 27, 11, 512).unwrap();
    assert_eq!((tile.width(), tile.height()), (512, 512));
    assert_eq!(tile.pixel(100, 100).unwrap().demultiply().red(), 10);
    assert_eq!(fetcher.failure(), None);
    {
        let seen = log.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, "/5/27/11.png");
        assert_eq!(seen[0].1, user_agent());
        assert!(seen[0].1.starts_with("Portolan/"));
    }
    // Again, and from a new fetcher (a restart): the disk cache answers, the server is not asked.
    fetcher.fetch(5, 27, 11).unwrap();
    let again = TileFetcher::new(source(&template), Some(cache.path().to_owned()));
    again.fetch(5, 27, 11).unwrap();
    assert_eq!(log.lock().unwrap().len(), 1);
    let files = walk(cache.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("5/27/11.tile"), "{files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn an_unreachable_server_is_reported_so_the_map_can_fall_back() {
    // Bind and drop: nothing listens on this port any more.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let fetcher = TileFetcher::new(source(&format!("http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")), None);
    let err = fetcher.fetch(3, 6, 3).unwrap_err();
    assert!(matches!(err, TileError::Network(_)), "{err:?}");
    assert!(fetcher.failure().unwrap().contains("cannot reach the tile server"));
    // The map's fallback: the offline basemap renders the same tile.
    let basemap = portolan::basemap::Basemap::embedded();
    let tile = fetcher.fetch_pixmap(3, 6, 3, 256).unwrap_or_else(|_| basemap.render_tile(3, 6, 3, 256));
    assert_eq!(tile.width(), 256);
}

#[test]
fn server_errors_and_garbage_are_errors_not_panics() {
    let (template, _) = serve(503, b"busy".to_vec());
    let fetcher = TileFetcher::new(source(&template), None);
    assert!(matches!(fetcher.fetch(1, 0, 0).unwrap_err(), TileError::Status(503)));
    let (template, _) = serve(200, b"<html>not a tile</html>".to_vec());
    let fetcher = TileFetcher::new(source(&template), None);
    assert!(matches!(fetcher.fetch_pixmap(1, 0, 0, 256).unwrap_err(), TileError::Decode(_)));
    let (template, _) = serve(200, vec![0u8; 5 << 20]);
    let fetcher = TileFetcher::new(source(&template), None);
    assert!(matches!(fetcher.fetch(1, 0, 0).unwrap_err(), TileError::TooLarge));
}

#[test]
fn a_stale_cached_tile_beats_a_dead_server() {
    let (template, _, down) = serve_switchable(200, png([200, 10, 10, 255]));
    let cache = tempfile::tempdir().unwrap();
    let fetcher = TileFetcher::new(source(&template), Some(cache.path().to_owned()));
    fetcher.fetch(2, 1, 1).unwrap();
    // Age the cached copy past its freshness, then take the server down.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 24 * 3600);
    for f in walk(cache.path()) {
        std::fs::File::options().write(true).open(&f).unwrap().set_modified(old).unwrap();
    }
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    let bytes = fetcher.fetch(2, 1, 1).unwrap();
    assert_eq!(bytes, png([200, 10, 10, 255]));
    assert!(fetcher.failure().is_some(), "the failure is still reported");
    // A tile never cached has nothing to fall back on.
    assert!(fetcher.fetch(2, 0, 0).is_err());
}
