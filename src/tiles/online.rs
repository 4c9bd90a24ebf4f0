//! Online XYZ tiles: HTTP with a User-Agent that names Portolan, a disk cache, health.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Cached tiles younger than this are used without asking the server (OpenStreetMap's tile
/// policy asks clients to keep tiles for at least seven days).
const FRESH_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// A tile larger than this is refused: no real tile is, and a hostile server could send more.
const MAX_TILE_BYTES: u64 = 4 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

pub use crate::io::user_agent;

/// The platform cache directory for tiles (`~/.cache/portolan/tiles` on Linux).
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Portolan", "portolan").map(|d| d.cache_dir().join("tiles"))
}

/// A tile server, as a URL template with `{z}`, `{x}` and `{y}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XyzSource {
    pub name: String,
    pub template: String,
    /// Drawn on the map and in exports whenever these tiles are in view.
    pub attribution: String,
    pub max_zoom: u8,
}

impl XyzSource {
    pub fn openstreetmap() -> Self {
        Self {
            name: "OpenStreetMap".into(),
            template: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution: "© OpenStreetMap contributors".into(),
            max_zoom: 19,
        }
    }

    /// A source from a template the user typed. It must be http(s) and hold `{z}`, `{x}`, `{y}`.
    pub fn custom(template: &str, attribution: &str) -> Result<Self, String> {
        let template = template.trim();
        if !(template.starts_with("https://") || template.starts_with("http://")) {
            return Err("the URL must start with https:// or http://".into());
        }
        for part in ["{z}", "{x}", "{y}"] {
            if !template.contains(part) {
                return Err(format!("the URL must contain {part}"));
            }
        }
        let attribution = attribution.trim();
        let attribution = if attribution.is_empty() { host(template).to_owned() } else { attribution.to_owned() };
        Ok(Self { name: host(template).to_owned(), template: template.to_owned(), attribution, max_zoom: 19 })
    }

    pub fn url(&self, z: u8, x: u32, y: u32) -> String {
        self.template.replace("{z}", &z.to_string()).replace("{x}", &x.to_string()).replace("{y}", &y.to_string())
    }
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("cannot reach the tile server: {0}")]
    Network(String),
    #[error("the tile server answered {0}")]
    Status(u16),
    #[error("the tile is larger than {MAX_TILE_BYTES} bytes")]
    TooLarge,
    #[error("the tile is not a PNG or JPEG picture: {0}")]
    Decode(String),
}

/// Fetches tiles of one source, through a disk cache, and remembers whether the server works.
pub struct TileFetcher {
    pub source: XyzSource,
    agent: ureq::Agent,
    cache_dir: Option<PathBuf>,
    last_error: Mutex<Option<String>>,
}

impl TileFetcher {
    pub fn new(source: XyzSource, cache_root: Option<PathBuf>) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .user_agent(user_agent())
            .http_status_as_error(false)
            .build();
        let cache_dir = cache_root.map(|root| root.join(cache_key(&source.template)));
        Self { source, agent: config.into(), cache_dir, last_error: Mutex::new(None) }
    }

    /// The last failure, if the last request failed; `None` while the server answers.
    pub fn failure(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    fn cache_path(&self, z: u8, x: u32, y: u32) -> Option<PathBuf> {
        Some(self.cache_dir.as_ref()?.join(z.to_string()).join(x.to_string()).join(format!("{y}.tile")))
    }

    /// The tile's bytes: from the cache when fresh, else from the server (and then cached);
    /// a stale cached copy when the server cannot be reached.
    pub fn fetch(&self, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
        let cached = self.cache_path(z, x, y);
        let stale = match cached.as_deref().map(read_cached) {
            Some(Some((bytes, age))) if age < FRESH_FOR => return Ok(bytes),
            Some(Some((bytes, _))) => Some(bytes),
            _ => None,
        };
        let result = self.download(z, x, y);
        if let Ok(mut last) = self.last_error.lock() {
            *last = result.as_ref().err().map(ToString::to_string);
        }
        match result {
            Ok(bytes) => {
                if let Some(path) = &cached {
                    // A cache that cannot be written only costs a download next time.
                    let _ = path.parent().map(std::fs::create_dir_all);
                    let _ = crate::io::save_atomic(path, &bytes);
                }
                Ok(bytes)
            }
            Err(e) => stale.ok_or(e),
        }
    }

    fn download(&self, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
        let response = self.agent.get(&self.source.url(z, x, y)).call().map_err(|e| TileError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(TileError::Status(status));
        }
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_TILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| TileError::Network(e.to_string()))?;
        if bytes.len() as u64 > MAX_TILE_BYTES {
            return Err(TileError::TooLarge);
        }
        Ok(bytes)
    }

    /// The tile as pixels, `size_px` square.
    pub fn fetch_pixmap(&self, z: u8, x: u32, y: u32, size_px: u32) -> Result<tiny_skia::Pixmap, TileError> {
        decode(&self.fetch(z, x, y)?, size_px)
    }
}

fn read_cached(path: &Path) -> Option<(Vec<u8>, Duration)> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let age = SystemTime::now().duration_since(modified).unwrap_or_default();
    Some((std::fs::read(path).ok()?, age))
}

/// A directory name for a template: readable host plus a hash, so two sources never share.
fn cache_key(template: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    template.hash(&mut h);
    let host: String = host(template).chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    format!("{host}-{:016x}", h.finish())
}

/// Decodes PNG or JPEG bytes into a premultiplied pixmap, scaled to `size_px`.
pub fn decode(bytes: &[u8], size_px: u32) -> Result<tiny_skia::Pixmap, TileError> {
    let image = image::load_from_memory(bytes).map_err(|e| TileError::Decode(e.to_string()))?.to_rgba8();
    let (w, h) = image.dimensions();
    let size = tiny_skia::IntSize::from_wh(w, h).ok_or_else(|| TileError::Decode("empty picture".into()))?;
    let mut data = image.into_raw();
    for px in data.chunks_exact_mut(4) {
        let a = px[3] as u16;
        for c in &mut px[..3] {
            *c = ((*c as u16 * a + 127) / 255) as u8;
        }
    }
    let pixmap = tiny_skia::Pixmap::from_vec(data, size).ok_or_else(|| TileError::Decode("bad picture size".into()))?;
    if w == size_px && h == size_px {
        return Ok(pixmap);
    }
    let mut scaled = tiny_skia::Pixmap::new(size_px, size_px).ok_or_else(|| TileError::Decode("bad tile size".into()))?;
    let transform = tiny_skia::Transform::from_scale(size_px as f32 / w as f32, size_px as f32 / h as f32);
    let paint = tiny_skia::PixmapPaint { quality: tiny_skia::FilterQuality::Bilinear, ..Default::default() };
    scaled.draw_pixmap(0, 0, pixmap.as_ref(), &paint, transform, None);
    Ok(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_templates_are_checked() {
        assert!(XyzSource::custom("ftp://x/{z}/{x}/{y}", "").is_err());
        assert!(XyzSource::custom("https://x/{z}/{x}.png", "").unwrap_err().contains("{y}"));
        let s = XyzSource::custom(" https://tiles.example.org/{z}/{x}/{y}.jpg ", "").unwrap();
        assert_eq!(s.attribution, "tiles.example.org");
        assert_eq!(s.url(3, 5, 7), "https://tiles.example.org/3/5/7.jpg");
    }

    #[test]
    fn user_agent_names_portolan_and_its_version() {
        assert!(user_agent().starts_with(&format!("Portolan/{} ", env!("CARGO_PKG_VERSION"))));
    }
}
