//! A STAC API Item Search client: POST `/search` with a box or a geometry, a date range,
//! collections and a page size; paging through `rel="next"` links to the end (POST links
//! with their body, merged where the link says so; GET links as they are); server-side sort
//! and cloud filter where the catalogue's conformance classes say it can, the same done here
//! otherwise. Blocking (`ureq`), for a worker thread or the command line: every request has a
//! timeout, every answer a size limit, and each failure a message a user can act on. Results
//! are kept on disk, so that a search made before going offline can be reopened offline.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};
use sha2::Digest;

use super::Scene;

/// The most pages one search follows (a server whose `next` never ends is cut here).
const MAX_PAGES: usize = 1000;
/// An answer larger than this is refused: a page of 100 items is well under a megabyte.
const MAX_PAGE_BYTES: u64 = 32 << 20;

/// A catalogue to search: a STAC API root, and a header to send (an API key), if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    pub name: String,
    pub url: String,
    /// The collections searched when the user names none.
    pub default_collections: Vec<String>,
    pub header: Option<(String, String)>,
    /// Where the catalogue hands out tokens that sign its assets' URLs (Planetary Computer's
    /// SAS endpoint: `{sas}/{collection}` answers `{"token": …}`).
    pub sas: Option<String>,
}

impl Catalogue {
    /// The built-in catalogues, by the names the command line and the window use.
    pub fn builtin() -> Vec<Catalogue> {
        let c = |name: &str, url: &str, collections: &[&str]| Catalogue {
            name: name.into(),
            url: url.into(),
            default_collections: collections.iter().map(|s| (*s).to_owned()).collect(),
            header: None,
            sas: None,
        };
        vec![
            // Element 84 Earth Search: Sentinel-2 L2A, Landsat Collection 2, Sentinel-1 GRD,
            // Copernicus DEM; no key.
            c("earth-search", "https://earth-search.aws.element84.com/v1", &["sentinel-2-l2a"]),
            // Microsoft Planetary Computer: searching is anonymous (its assets need a SAS token
            // to download).
            Catalogue {
                sas: Some("https://planetarycomputer.microsoft.com/api/sas/v1/token".into()),
                ..c("planetary-computer", "https://planetarycomputer.microsoft.com/api/stac/v1", &["sentinel-2-l2a"])
            },
            // Copernicus Data Space Ecosystem.
            c("copernicus", "https://stac.dataspace.copernicus.eu/v1", &["sentinel-2-l2a"]),
        ]
    }

    /// The name a person knows the catalogue by ("Element 84 Earth Search"); its host for
    /// others.
    pub fn title(&self) -> String {
        match self.name.as_str() {
            "earth-search" => "Element 84 Earth Search".into(),
            "planetary-computer" => "Microsoft Planetary Computer".into(),
            "copernicus" => "Copernicus Data Space Ecosystem".into(),
            other => other.to_owned(),
        }
    }

    /// A built-in catalogue by name, or any other STAC API by its http(s) URL.
    pub fn named(name_or_url: &str) -> Result<Catalogue, ImageryError> {
        let s = name_or_url.trim();
        if let Some(c) = Self::builtin().into_iter().find(|c| c.name.eq_ignore_ascii_case(s)) {
            return Ok(c);
        }
        if s.starts_with("https://") || s.starts_with("http://") {
            return Ok(Catalogue { name: host(s).to_owned(), url: s.trim_end_matches('/').to_owned(), default_collections: Vec::new(), header: None, sas: None });
        }
        let names: Vec<String> = Self::builtin().into_iter().map(|c| c.name).collect();
        Err(ImageryError::Usage(format!("unknown catalogue {s:?}: use one of {} or a STAC API URL", names.join(", "))))
    }
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// What to search for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// West, south, east, north in degrees (west > east crosses the antimeridian).
    pub bbox: Option<[f64; 4]>,
    /// A GeoJSON geometry the scenes must intersect (instead of `bbox`).
    pub intersects: Option<Value>,
    /// First and last day or time, ISO 8601 (`2023-08-01`, or with a time); open when `None`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Collections; the catalogue's default ones when empty.
    pub collections: Vec<String>,
    /// Scenes cloudier than this per cent are left out (scenes with no cloud cover, radar
    /// and elevation, are kept).
    pub max_cloud: Option<f64>,
    /// At most this many scenes in all.
    pub limit: usize,
}

/// How to search: timeouts, page size, where results are kept.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    pub timeout: Duration,
    /// Items asked for per page (the server may send fewer).
    pub page_size: usize,
    /// Where answers are kept for offline use; none keeps nothing.
    pub cache_dir: Option<PathBuf>,
    /// Pages and scenes so far, and the cancel flag, shared with whoever shows them.
    pub progress: Arc<Progress>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions { timeout: Duration::from_secs(30), page_size: 100, cache_dir: default_cache_dir(), progress: Arc::default() }
    }
}

/// How far a search is, read by the thread that shows it; `cancel` stops it after the page
/// in flight.
#[derive(Debug, Default)]
pub struct Progress {
    pub pages: AtomicUsize,
    pub scenes: AtomicUsize,
    cancelled: AtomicBool,
}

impl Progress {
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// The platform cache folder for searches (`~/.cache/portolan/stac` on Linux).
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Portolan", "portolan").map(|d| d.cache_dir().join("stac"))
}

/// What a search found.
#[derive(Clone, Debug)]
pub struct Searched {
    /// By acquisition time, oldest first.
    pub scenes: Vec<Scene>,
    pub pages: usize,
    /// Whether the catalogue sorted and filtered cloud cover itself.
    pub server_sort: bool,
    pub server_cloud_filter: bool,
    /// Set when the catalogue could not be reached and this is the answer kept from an
    /// earlier search: how old it is.
    pub from_cache: Option<Duration>,
    /// More scenes matched than `limit` let through.
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageryError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot reach the catalogue at {url}: {why} (no earlier answer to this search is kept for offline use)")]
    Offline { url: String, why: String },
    #[error("the catalogue did not answer within {0} s")]
    Timeout(u64),
    #[error("the catalogue refused the search ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the catalogue asks to slow down (429){}", .retry_after.map(|s| format!(": try again in {s} s")).unwrap_or_default())]
    RateLimited { retry_after: Option<u64> },
    #[error("the catalogue failed ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("the catalogue's answer is not STAC JSON: {0}")]
    Malformed(String),
    #[error("the catalogue's answer is larger than {} MB", MAX_PAGE_BYTES >> 20)]
    TooLarge,
    #[error("the search was cancelled")]
    Cancelled,
}

/// What a catalogue can do, from its conformance classes.
#[derive(Clone, Copy, Debug, Default)]
struct Abilities {
    sort: bool,
    query: bool,
    filter: bool,
}

/// Searches `catalogue` for `query`; see the module docs.
pub fn search(catalogue: &Catalogue, query: &Query, options: &SearchOptions) -> Result<Searched, ImageryError> {
    if query.bbox.is_none() && query.intersects.is_none() {
        return Err(ImageryError::Usage("a search needs a box or a geometry".into()));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .user_agent(crate::io::user_agent())
        .http_status_as_error(false)
        .build()
        .into();
    let client = Client { agent, catalogue, timeout: options.timeout };
    // The cache key is the search as asked, before the catalogue's abilities are known.
    let key = cache_key(catalogue, &body(catalogue, query, options, Abilities::default()));
    let cached = options.cache_dir.as_ref().map(|d| d.join(format!("{key}.json")));
    if options.progress.is_cancelled() {
        return Err(ImageryError::Cancelled);
    }
    let abilities = match client.abilities() {
        Ok(a) => a,
        Err(ImageryError::Offline { url, why }) => return from_cache(cached, query).ok_or(ImageryError::Offline { url, why }),
        Err(e) => return Err(e),
    };
    let mut request = body(catalogue, query, options, abilities);
    let mut items: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    let mut truncated = false;
    let mut next = Some(Next::Post(format!("{}/search", catalogue.url)));
    let mut asked = std::collections::HashSet::new();
    while let Some(page) = next.take() {
        if options.progress.is_cancelled() {
            return Err(ImageryError::Cancelled);
        }
        if pages >= MAX_PAGES || !asked.insert(format!("{page:?}{request}")) {
            break;
        }
        let answer = match &page {
            Next::Post(url) => client.post(url, &request),
            Next::Get(url) => client.get(url),
        };
        let answer = match answer {
            Ok(a) => a,
            Err(ImageryError::Offline { url, why }) if pages == 0 => return from_cache(cached, query).ok_or(ImageryError::Offline { url, why }),
            Err(e) => return Err(e),
        };
        pages += 1;
        let Some(features) = answer.get("features").and_then(Value::as_array) else {
            return Err(ImageryError::Malformed(format!("page {pages} has no \"features\" list")));
        };
        for item in features {
            let id = (item.get("collection").cloned(), item.get("id").cloned());
            if seen.insert(format!("{id:?}")) && keeps(item, query) {
                items.push(item.clone());
            }
        }
        options.progress.pages.store(pages, Ordering::Relaxed);
        options.progress.scenes.store(items.len().min(query.limit), Ordering::Relaxed);
        if items.len() >= query.limit {
            truncated = items.len() > query.limit || next_link(&answer).is_some();
            items.truncate(query.limit);
            break;
        }
        next = next_link(&answer).map(|link| {
            let href = link.get("href").and_then(Value::as_str).unwrap_or_default().to_owned();
            if link.get("method").and_then(Value::as_str).is_some_and(|m| m.eq_ignore_ascii_case("POST")) {
                match link.get("body").and_then(Value::as_object) {
                    Some(b) if link.get("merge").and_then(Value::as_bool).unwrap_or(false) => {
                        if let Value::Object(r) = &mut request {
                            r.extend(b.clone());
                        }
                    }
                    Some(b) => request = Value::Object(b.clone()),
                    None => {}
                }
                Next::Post(href)
            } else {
                Next::Get(href)
            }
        });
    }
    if let Some(path) = &cached {
        // A cache that cannot be written only costs the offline reopening.
        let kept = json!({"catalogue": catalogue.url, "items": items});
        let _ = std::fs::create_dir_all(options.cache_dir.as_deref().unwrap_or(std::path::Path::new(".")));
        let _ = crate::io::save_atomic(path, kept.to_string().as_bytes());
    }
    Ok(Searched { scenes: scenes_of(&items), pages, server_sort: abilities.sort, server_cloud_filter: abilities.query || abilities.filter, from_cache: None, truncated })
}

/// A thumbnail larger than this is refused (catalogue thumbnails are tens of kilobytes).
const MAX_THUMBNAIL_BYTES: u64 = 8 << 20;

/// A scene's thumbnail picture: from the cache when it was fetched before, else from the web
/// (then kept). Only http(s) addresses are fetched.
pub fn thumbnail(url: &str, options: &SearchOptions) -> Result<Vec<u8>, ImageryError> {
    fetch_thumbnail(url, || Ok(url.to_owned()), options)
}

/// The thumbnail of a scene found in `catalogue`, its URL signed when the catalogue signs
/// its assets (kept in the cache under the unsigned URL, as tokens expire).
pub fn thumbnail_of(catalogue: &Catalogue, scene: &Scene, options: &SearchOptions) -> Result<Vec<u8>, ImageryError> {
    let url = scene.thumbnail.as_deref().ok_or_else(|| ImageryError::Usage(format!("{} has no thumbnail", scene.id)))?;
    fetch_thumbnail(url, || signed(catalogue, scene.collection.as_deref(), url, options), options)
}

/// `url` with the catalogue's token for `collection` appended, when the catalogue signs its
/// assets and `url` is in its storage (Azure blobs, for Planetary Computer); else as it is.
/// Tokens are asked once per collection and kept for half an hour (they last an hour).
pub fn signed(catalogue: &Catalogue, collection: Option<&str>, url: &str, options: &SearchOptions) -> Result<String, ImageryError> {
    type Tokens = std::collections::HashMap<String, (String, std::time::Instant)>;
    static TOKENS: std::sync::Mutex<Option<Tokens>> = std::sync::Mutex::new(None);
    let (Some(sas), Some(collection)) = (&catalogue.sas, collection) else { return Ok(url.to_owned()) };
    let blob = host(url).split(':').next().is_some_and(|h| h.ends_with(".blob.core.windows.net"));
    if !blob || url.contains("sig=") {
        return Ok(url.to_owned());
    }
    let key = format!("{sas}/{collection}");
    let kept = TOKENS.lock().ok().and_then(|t| t.as_ref()?.get(&key).filter(|(_, until)| *until > std::time::Instant::now()).map(|(t, _)| t.clone()));
    let token = match kept {
        Some(t) => t,
        None => {
            let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(options.timeout)).user_agent(crate::io::user_agent()).http_status_as_error(false).build().into();
            let client = Client { agent, catalogue, timeout: options.timeout };
            let answer = client.get(&key)?;
            let token = answer.get("token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| ImageryError::Malformed(format!("no token from {key}")))?.to_owned();
            if let Ok(mut t) = TOKENS.lock() {
                t.get_or_insert_with(Tokens::new).insert(key, (token.clone(), std::time::Instant::now() + Duration::from_secs(1800)));
            }
            token
        }
    };
    let joiner = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{joiner}{}", token.trim_start_matches('?')))
}

fn fetch_thumbnail(key_url: &str, url: impl FnOnce() -> Result<String, ImageryError>, options: &SearchOptions) -> Result<Vec<u8>, ImageryError> {
    if !(key_url.starts_with("https://") || key_url.starts_with("http://")) {
        return Err(ImageryError::Usage(format!("not a web address: {key_url}")));
    }
    let mut h = sha2::Sha256::new();
    h.update(key_url.as_bytes());
    let name: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    let cached = options.cache_dir.as_ref().map(|d| d.join("thumbnails").join(name));
    if let Some(bytes) = cached.as_deref().and_then(|p| std::fs::read(p).ok()) {
        return Ok(bytes);
    }
    let url = &url()?;
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(options.timeout)).user_agent(crate::io::user_agent()).http_status_as_error(false).build().into();
    let response = match agent.get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => return Err(ImageryError::Timeout(options.timeout.as_secs().max(1))),
        Err(e) => return Err(ImageryError::Offline { url: key_url.to_owned(), why: e.to_string() }),
    };
    let status = response.status().as_u16();
    if status != 200 {
        return Err(ImageryError::Server { status, message: format!("no thumbnail at {key_url}") });
    }
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_THUMBNAIL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImageryError::Offline { url: key_url.to_owned(), why: e.to_string() })?;
    if bytes.len() as u64 > MAX_THUMBNAIL_BYTES {
        return Err(ImageryError::TooLarge);
    }
    if image::guess_format(&bytes).is_err() {
        return Err(ImageryError::Malformed(format!("the thumbnail at {key_url} is not a picture")));
    }
    if let Some(path) = &cached {
        let _ = path.parent().map(std::fs::create_dir_all);
        let _ = crate::io::save_atomic(path, &bytes);
    }
    Ok(bytes)
}

#[derive(Debug)]
enum Next {
    Post(String),
    Get(String),
}

fn next_link(answer: &Value) -> Option<&Value> {
    answer.get("links")?.as_array()?.iter().find(|l| l.get("rel").and_then(Value::as_str) == Some("next") && l.get("href").and_then(Value::as_str).is_some())
}

/// Client-side filters: cloud cover (scenes with none are kept).
fn keeps(item: &Value, query: &Query) -> bool {
    let cloud = item.get("properties").and_then(|p| p.get("eo:cloud_cover")).and_then(Value::as_f64);
    match (query.max_cloud, cloud) {
        (Some(max), Some(c)) => c <= max,
        _ => true,
    }
}

/// Scenes by acquisition time (items without one last), oldest first.
fn scenes_of(items: &[Value]) -> Vec<Scene> {
    let mut scenes: Vec<Scene> = items.iter().filter_map(Scene::from_item).collect();
    scenes.sort_by(|a, b| match (&a.datetime, &b.datetime) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    scenes
}

/// The search body for a catalogue that can do `abilities`.
fn body(catalogue: &Catalogue, query: &Query, options: &SearchOptions, abilities: Abilities) -> Value {
    let mut b = Map::new();
    if let Some(g) = &query.intersects {
        b.insert("intersects".into(), g.clone());
    } else if let Some([w, s, e, n]) = query.bbox {
        b.insert("bbox".into(), json!([w, s, e, n]));
    }
    let datetime = match (&query.from, &query.to) {
        (None, None) => None,
        (from, to) => Some(format!("{}/{}", from.as_deref().map_or("..".into(), start_of), to.as_deref().map_or("..".into(), end_of))),
    };
    if let Some(d) = datetime {
        b.insert("datetime".into(), d.into());
    }
    let collections = if query.collections.is_empty() { &catalogue.default_collections } else { &query.collections };
    if !collections.is_empty() {
        b.insert("collections".into(), json!(collections));
    }
    b.insert("limit".into(), options.page_size.clamp(1, 1000).min(query.limit.max(1)).into());
    if abilities.sort {
        b.insert("sortby".into(), json!([{"field": "properties.datetime", "direction": "asc"}]));
    }
    if let Some(max) = query.max_cloud {
        if abilities.query {
            b.insert("query".into(), json!({"eo:cloud_cover": {"lte": max}}));
        } else if abilities.filter {
            b.insert("filter-lang".into(), "cql2-json".into());
            b.insert("filter".into(), json!({"op": "<=", "args": [{"property": "eo:cloud_cover"}, max]}));
        }
    }
    Value::Object(b)
}

/// A day as the start of a range (`2023-08-01` → `2023-08-01T00:00:00Z`); times as given.
fn start_of(day: &str) -> String {
    if day.len() == 10 { format!("{day}T00:00:00Z") } else { day.to_owned() }
}

/// A day as the end of a range (`2023-10-31` → `2023-10-31T23:59:59Z`); times as given.
fn end_of(day: &str) -> String {
    if day.len() == 10 { format!("{day}T23:59:59Z") } else { day.to_owned() }
}

fn cache_key(catalogue: &Catalogue, body: &Value) -> String {
    let mut h = sha2::Sha256::new();
    h.update(catalogue.url.as_bytes());
    h.update(body.to_string().as_bytes());
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The answer kept from an earlier run of the same search, if any.
fn from_cache(path: Option<PathBuf>, query: &Query) -> Option<Searched> {
    let path = path?;
    let kept: Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    let age = std::fs::metadata(&path).ok()?.modified().ok().and_then(|t| SystemTime::now().duration_since(t).ok()).unwrap_or_default();
    let items: Vec<Value> = kept.get("items")?.as_array()?.iter().filter(|i| keeps(i, query)).cloned().collect();
    Some(Searched { scenes: scenes_of(&items), pages: 0, server_sort: false, server_cloud_filter: false, from_cache: Some(age), truncated: false })
}

struct Client<'a> {
    agent: ureq::Agent,
    catalogue: &'a Catalogue,
    timeout: Duration,
}

impl Client<'_> {
    /// The conformance classes (`/conformance`, else the landing page's `conformsTo`).
    fn abilities(&self) -> Result<Abilities, ImageryError> {
        let classes = match self.get(&format!("{}/conformance", self.catalogue.url)) {
            Ok(c) => c,
            Err(ImageryError::Refused { .. } | ImageryError::Malformed(_)) => self.get(&self.catalogue.url)?,
            Err(e) => return Err(e),
        };
        let list: Vec<&str> = classes.get("conformsTo").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let has = |part: &str| list.iter().any(|c| c.contains(part));
        Ok(Abilities { sort: has("item-search#sort"), query: has("item-search#query"), filter: has("item-search#filter") })
    }

    fn get(&self, url: &str) -> Result<Value, ImageryError> {
        let mut req = self.agent.get(url).header("Accept", "application/geo+json, application/json");
        if let Some((k, v)) = &self.catalogue.header {
            req = req.header(k.as_str(), v.as_str());
        }
        self.answer(url, req.call())
    }

    fn post(&self, url: &str, body: &Value) -> Result<Value, ImageryError> {
        let mut req = self.agent.post(url).header("Accept", "application/geo+json, application/json").header("Content-Type", "application/json");
        if let Some((k, v)) = &self.catalogue.header {
            req = req.header(k.as_str(), v.as_str());
        }
        self.answer(url, req.send(body.to_string().as_bytes()))
    }

    fn answer(&self, url: &str, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Value, ImageryError> {
        let response = match response {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => return Err(ImageryError::Timeout(self.timeout.as_secs().max(1))),
            Err(e) => return Err(ImageryError::Offline { url: url.to_owned(), why: e.to_string() }),
        };
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        let mut bytes = Vec::new();
        let read = response.into_body().into_reader().take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes);
        match read {
            Err(e) if e.to_string().to_lowercase().contains("timeout") || e.kind() == std::io::ErrorKind::TimedOut => {
                return Err(ImageryError::Timeout(self.timeout.as_secs().max(1)));
            }
            Err(e) => return Err(ImageryError::Offline { url: url.to_owned(), why: e.to_string() }),
            Ok(_) => {}
        }
        if bytes.len() as u64 > MAX_PAGE_BYTES {
            return Err(ImageryError::TooLarge);
        }
        let message = || {
            let text = String::from_utf8_lossy(&bytes);
            let v: Option<Value> = serde_json::from_slice(&bytes).ok();
            let said = v.as_ref().and_then(|v| v.get("description").or_else(|| v.get("detail")).or_else(|| v.get("message"))).and_then(Value::as_str).map(str::to_owned);
            said.unwrap_or_else(|| text.chars().take(200).collect::<String>().trim().to_owned())
        };
        match status {
            200..=299 => serde_json::from_slice(&bytes).map_err(|e| ImageryError::Malformed(e.to_string())),
            429 => Err(ImageryError::RateLimited { retry_after }),
            400..=499 => Err(ImageryError::Refused { status, message: message() }),
            _ => Err(ImageryError::Server { status, message: message() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_asks_for_what_the_catalogue_can_do() {
        let c = Catalogue::named("earth-search").unwrap();
        let q = Query { bbox: Some([132.0, 42.5, 132.6, 43.1]), from: Some("2023-08-01".into()), to: Some("2023-10-31".into()), max_cloud: Some(20.0), limit: 50, ..Query::default() };
        let o = SearchOptions { cache_dir: None, ..SearchOptions::default() };
        let plain = body(&c, &q, &o, Abilities::default());
        assert_eq!(plain["datetime"], "2023-08-01T00:00:00Z/2023-10-31T23:59:59Z");
        assert_eq!(plain["collections"], json!(["sentinel-2-l2a"]));
        assert_eq!(plain["limit"], 50);
        assert!(plain.get("sortby").is_none() && plain.get("query").is_none());
        let able = body(&c, &q, &o, Abilities { sort: true, query: true, filter: false });
        assert_eq!(able["sortby"][0]["field"], "properties.datetime");
        assert_eq!(able["query"]["eo:cloud_cover"]["lte"], 20.0);
        let cql = body(&c, &q, &o, Abilities { sort: false, query: false, filter: true });
        assert_eq!(cql["filter"]["op"], "<=");
        let open = body(&c, &Query { to: Some("2024-01-01".into()), ..q.clone() }, &o, Abilities::default());
        assert_eq!(open["datetime"], "2023-08-01T00:00:00Z/2024-01-01T23:59:59Z");
        let from_only = body(&c, &Query { to: None, ..q }, &o, Abilities::default());
        assert_eq!(from_only["datetime"], "2023-08-01T00:00:00Z/..");
    }

    #[test]
    fn catalogues_by_name_or_url() {
        assert_eq!(Catalogue::named("Planetary-Computer").unwrap().url, "https://planetarycomputer.microsoft.com/api/stac/v1");
        assert_eq!(Catalogue::named("http://127.0.0.1:8080/").unwrap().url, "http://127.0.0.1:8080");
        assert!(Catalogue::named("sentinelhub").is_err());
    }
}
