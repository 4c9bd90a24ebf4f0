//! A STAC API on 127.0.0.1 with the test catalogue (Sentinel-2 and Sentinel-1 scenes over
//! Dunai, August to October 2023, with drawn thumbnails), for trying "Find imagery" without
//! the network and for the README's screenshot:
//!
//! ```text
//! cargo run --example stac_demo            # prints the URL, serves until Ctrl+C
//! ```
//!
//! Then in Portolan: select Dunai, Find imagery, "Another STAC API…", paste the URL.

#[path = "../tests/support/stac.rs"]
mod stac_fixture;

fn main() {
    let (url, _server) = stac_fixture::stac_server_with_thumbnails(stac_fixture::items());
    println!("{url}");
    loop {
        std::thread::park();
    }
}
