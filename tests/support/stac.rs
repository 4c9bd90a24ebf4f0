//! A STAC API on 127.0.0.1 for the tests: the stac-utils server (memory backend, no sort
//! or query extension) loaded with items the project writes in Earth Search's shape, over
//! Dunai from August to October 2023. `stac_server_with_thumbnails` also serves a small
//! picture for each item, drawn here (a land-coloured square under as much white "cloud" as
//! the item's cloud cover), and points the items' thumbnails at them.
#![allow(dead_code)]

use serde_json::{Value, json};

/// Dunai naval port facility.
pub const DUNAI: (f64, f64) = (132.368, 42.893);

/// A Sentinel-2 L2A item as Earth Search writes it (fields trimmed to what Portolan reads,
/// plus a few it does not).
pub fn s2_item(day: u32, month: u32, cloud: f64, lon: f64, lat: f64) -> Value {
    let id = format!("S2B_52TGN_2023{month:02}{day:02}_0_L2A");
    let dt = format!("2023-{month:02}-{day:02}T02:05:{:02}.123Z", day % 60);
    json!({
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json", "https://stac-extensions.github.io/view/v1.0.0/schema.json"],
        "id": id,
        "collection": "sentinel-2-l2a",
        "bbox": [lon - 0.6, lat - 0.5, lon + 0.6, lat + 0.5],
        "geometry": {"type": "Polygon", "coordinates": [[[lon - 0.6, lat - 0.5], [lon + 0.6, lat - 0.5], [lon + 0.6, lat + 0.5], [lon - 0.6, lat + 0.5], [lon - 0.6, lat - 0.5]]]},
        "properties": {
            "datetime": dt,
            "created": "2023-11-02T10:11:12.000Z",
            "platform": "sentinel-2b",
            "constellation": "sentinel-2",
            "instruments": ["msi"],
            "gsd": 10,
            "eo:cloud_cover": cloud,
            "view:off_nadir": 0,
            "view:sun_elevation": 35.5 + f64::from(day) / 10.0,
            "s2:mgrs_tile": "52TGN"
        },
        "links": [],
        "assets": {
            "thumbnail": {"href": format!("https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs/52/T/GN/2023/{month}/{id}/thumbnail.jpg"), "type": "image/jpeg", "roles": ["thumbnail"]},
            "visual": {"href": "https://example.invalid/visual.tif", "type": "image/tiff; application=geotiff; profile=cloud-optimized"}
        }
    })
}

/// A Sentinel-1 GRD item: radar, no cloud cover, no gsd.
pub fn s1_item(day: u32, month: u32) -> Value {
    let (lon, lat) = DUNAI;
    json!({
        "type": "Feature", "stac_version": "1.0.0", "stac_extensions": [],
        "id": format!("S1A_IW_GRDH_1SDV_2023{month:02}{day:02}"),
        "collection": "sentinel-1-grd",
        "bbox": [lon - 1.0, lat - 1.0, lon + 1.0, lat + 1.0],
        "geometry": {"type": "Polygon", "coordinates": [[[lon - 1.0, lat - 1.0], [lon + 1.0, lat - 1.0], [lon + 1.0, lat + 1.0], [lon - 1.0, lat + 1.0], [lon - 1.0, lat - 1.0]]]},
        "properties": {"datetime": format!("2023-{month:02}-{day:02}T20:50:00Z"), "platform": "sentinel-1a", "constellation": "sentinel-1", "sar:instrument_mode": "IW"},
        "links": [], "assets": {}
    })
}

fn collection(id: &str) -> Value {
    json!({
        "type": "Collection", "stac_version": "1.0.0", "id": id, "description": id, "license": "proprietary",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [["2015-06-27T10:25:31Z", null]]}},
        "links": []
    })
}

/// Every 5 days from 2023-08-01 to 2023-10-31 over Dunai (20 scenes), cloud cover cycling
/// through 0, 15, 30, 45, 60, 75 %; one scene before the period, one after, one far away
/// (over the Black Sea), and three radar scenes in the period.
pub fn items() -> Vec<Value> {
    let (lon, lat) = DUNAI;
    let mut all = Vec::new();
    let mut k = 0;
    for (month, days) in [(8u32, 31u32), (9, 30), (10, 31)] {
        for day in (1..=days).filter(|d| (d - 1) % 5 == 0) {
            all.push(s2_item(day, month, f64::from(k % 6) * 15.0, lon, lat));
            k += 1;
        }
    }
    all.push(s2_item(20, 7, 5.0, lon, lat));
    all.push(s2_item(3, 11, 5.0, lon, lat));
    all.push(s2_item(2, 9, 5.0, 37.8, 44.7));
    for (day, month) in [(4, 8), (16, 9), (28, 10)] {
        all.push(s1_item(day, month));
    }
    all
}

/// The S2 scenes of the period over Dunai, as (datetime, cloud) in date order.
pub fn expected_in_period() -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut k = 0;
    for (month, days) in [(8u32, 31u32), (9, 30), (10, 31)] {
        for day in (1..=days).filter(|d| (d - 1) % 5 == 0) {
            out.push((format!("2023-{month:02}-{day:02}T02:05:{:02}.123Z", day % 60), f64::from(k % 6) * 15.0));
            k += 1;
        }
    }
    out
}

/// A STAC API (stac-server, memory backend) on 127.0.0.1, serving `items`; stops when the
/// returned runtime is dropped.
pub fn stac_server(items: Vec<Value>) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = rt.block_on(router(&url, items));
    rt.spawn(async move { axum::serve(listener, router).await });
    (url, rt)
}

/// As [`stac_server`], with each item's thumbnail served by the same server at
/// `/thumbnails/{id}.png`.
pub fn stac_server_with_thumbnails(mut items: Vec<Value>) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut pictures = std::collections::HashMap::new();
    for item in &mut items {
        let id = item["id"].as_str().unwrap().to_owned();
        let cloud = item["properties"]["eo:cloud_cover"].as_f64().unwrap_or(0.0);
        pictures.insert(format!("{id}.png"), thumbnail_png(&id, cloud));
        item["assets"]["thumbnail"] = json!({"href": format!("{url}/thumbnails/{id}.png"), "type": "image/png", "roles": ["thumbnail"]});
    }
    let pictures = std::sync::Arc::new(pictures);
    let router = rt.block_on(router(&url, items)).route(
        "/thumbnails/{name}",
        axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
            let pictures = pictures.clone();
            async move {
                match pictures.get(&name) {
                    Some(png) => (axum::http::StatusCode::OK, [("content-type", "image/png")], png.clone()),
                    None => (axum::http::StatusCode::NOT_FOUND, [("content-type", "text/plain")], b"no such thumbnail".to_vec()),
                }
            }
        }),
    );
    rt.spawn(async move { axum::serve(listener, router).await });
    (url, rt)
}

async fn router(url: &str, items: Vec<Value>) -> axum::Router {
    use stac::api::TransactionClient;
    let mut backend = stac_server::MemoryBackend::new();
    for c in ["sentinel-2-l2a", "sentinel-1-grd"] {
        backend.add_collection(serde_json::from_value(collection(c)).unwrap()).await.unwrap();
    }
    for item in items {
        backend.add_item(serde_json::from_value(item).unwrap()).await.unwrap();
    }
    let api = stac_server::Api::new(backend, url).unwrap();
    stac_server::routes::from_api(api)
}

/// A 96-pixel picture: land and water in the colours of a true-colour scene, with white
/// blobs over `cloud` per cent of it (placed by the id, so each scene differs).
fn thumbnail_png(id: &str, cloud: f64) -> Vec<u8> {
    let seed = id.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let n = 96u32;
    let img = image::RgbImage::from_fn(n, n, |x, y| {
        let (fx, fy) = (x as f64 / n as f64, y as f64 / n as f64);
        // A coast running across the picture: land to the north-west, sea to the south-east.
        let land = fy < 0.55 + 0.15 * (fx * 6.0 + f64::from(seed % 7)).sin() - 0.3 * fx;
        let noise = ((x.wrapping_mul(73) ^ y.wrapping_mul(151) ^ seed) % 23) as u8;
        let mut px = if land { [70 + noise, 82 + noise, 52 + noise / 2] } else { [18 + noise / 3, 40 + noise / 2, 62 + noise / 2] };
        let cx = f64::from((seed >> 3) % 97) / 97.0;
        let cy = f64::from((seed >> 9) % 89) / 89.0;
        let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
        if d < (cloud / 100.0).sqrt() * 0.7 {
            px = [235, 237, 240];
        }
        image::Rgb(px)
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
