//! The page's look: light (the default) or dark, for night-mode articles and video.
//!
//! The dark page is the light page recoloured after layout, so that both have the same
//! layout and the same symbology: greys are turned over (dark text becomes light, light
//! halos and plates become dark), the case's own colours (Okabe–Ito routes, sites, areas)
//! stay as they are, and the basemap is drawn in its dark style.

use super::layout::{Group, Item, Page, Plate, TextBlock};
use crate::basemap::style::{self as basemap_style, BasemapStyle, LineStyle, PortStyle, RiverStyle};
use crate::scene::{Primitive, Rgba};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn parse(s: &str) -> Result<Theme, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(format!("{other:?}: the page is light or dark")),
        }
    }

    /// The page's background.
    pub fn background(self) -> Rgba {
        match self {
            Theme::Light => Rgba::rgb(0xff, 0xff, 0xff),
            Theme::Dark => Rgba::rgb(0x16, 0x18, 0x1b),
        }
    }

    /// The basemap's style.
    pub fn basemap(self) -> &'static BasemapStyle {
        match self {
            Theme::Light => &basemap_style::DEFAULT,
            Theme::Dark => &DARK_BASEMAP,
        }
    }

    /// Recolours a page laid out in the light theme.
    pub fn apply(self, page: &mut Page) {
        if self == Theme::Dark {
            for g in &mut page.groups {
                recolour_group(g);
            }
        }
    }
}

/// The basemap at night: dark land on a darker sea, lines a step lighter than the land.
pub const DARK_BASEMAP: BasemapStyle = BasemapStyle {
    sea: Rgba::rgb(0x1c, 0x26, 0x30),
    land: Rgba::rgb(0x2c, 0x2d, 0x30),
    urban: Rgba::rgb(0x38, 0x38, 0x3a),
    lake: Rgba::rgb(0x1c, 0x26, 0x30),
    lake_outline: LineStyle { color: Rgba::rgb(0x33, 0x45, 0x54), ..basemap_style::DEFAULT.lake_outline },
    river: RiverStyle { color: Rgba::rgb(0x35, 0x4c, 0x5e), ..basemap_style::DEFAULT.river },
    coastline: LineStyle { color: Rgba::rgb(0x45, 0x5a, 0x6a), ..basemap_style::DEFAULT.coastline },
    admin1: LineStyle { color: Rgba::rgb(0x4a, 0x46, 0x4e), ..basemap_style::DEFAULT.admin1 },
    border_casing: LineStyle { color: Rgba::rgb(0x36, 0x33, 0x3b), ..basemap_style::DEFAULT.border_casing },
    border: LineStyle { color: Rgba::rgb(0x7a, 0x6a, 0x86), ..basemap_style::DEFAULT.border },
    border_disputed: LineStyle { color: Rgba::rgb(0x7a, 0x6a, 0x86), ..basemap_style::DEFAULT.border_disputed },
    maritime: LineStyle { color: Rgba::rgb(0x36, 0x48, 0x56), ..basemap_style::DEFAULT.maritime },
    rail: LineStyle { color: Rgba::rgb(0x5a, 0x5a, 0x5c), ..basemap_style::DEFAULT.rail },
    rail_trunk: LineStyle { color: Rgba::rgb(0x66, 0x66, 0x68), ..basemap_style::DEFAULT.rail_trunk },
    rail_ties: LineStyle { color: Rgba::rgb(0x5a, 0x5a, 0x5c), ..basemap_style::DEFAULT.rail_ties },
    rail_ferry: LineStyle { color: Rgba::rgb(0x44, 0x52, 0x5c), ..basemap_style::DEFAULT.rail_ferry },
    port: PortStyle { color: Rgba::rgb(0x8f, 0xa6, 0xb6), halo: Rgba([0x22, 0x24, 0x27, 0xd8]), ..basemap_style::DEFAULT.port },
    ..basemap_style::DEFAULT
};

/// A grey, of any lightness (the page's texts, plates, outlines and halos are greys).
fn is_grey(c: Rgba) -> bool {
    let [r, g, b, _] = c.0;
    r.max(g).max(b) - r.min(g).min(b) < 24
}

/// Greys turned over: ink becomes near-white, white becomes near-black; colours stay.
fn turn(c: Rgba) -> Rgba {
    if !is_grey(c) {
        return c;
    }
    let [r, g, b, a] = c.0;
    let v = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    // 0x22 (ink) → 0xe8, 0x55 → 0xc6, 0xff → 0x1e: dark text keeps its steps of emphasis.
    let turned = (0xff - v * 2 / 3).max(0x1e) as u8;
    let turned = if v >= 0xe0 { 0x1e + (0xff - v as u8) } else { turned };
    Rgba([turned, turned, turned, a])
}

fn recolour_group(g: &mut Group) {
    for item in &mut g.items {
        match item {
            Item::Text(t) => recolour_text(t),
            Item::Plate(p) => recolour_plate(p),
            Item::Shape(p) => recolour_primitive(p),
            Item::Image(_) => {}
        }
    }
    for c in &mut g.children {
        recolour_group(c);
    }
}

fn recolour_text(t: &mut TextBlock) {
    t.color = turn(t.color);
    t.halo = t.halo.map(turn);
}

fn recolour_plate(p: &mut Plate) {
    p.fill = p.fill.map(turn);
    if let Some(s) = &mut p.stroke {
        s.color = turn(s.color);
    }
}

fn recolour_primitive(p: &mut Primitive) {
    match p {
        Primitive::Text { color, halo, .. } => {
            *color = turn(*color);
            *halo = turn(*halo);
        }
        Primitive::Line { stroke, .. } => stroke.color = turn(stroke.color),
        // Fills too: a hollow (white) marker stays hollow on the dark map.
        Primitive::Polygon { stroke, fill, .. } | Primitive::Circle { stroke, fill, .. } => {
            *fill = turn(*fill);
            if let Some(s) = stroke {
                s.color = turn(s.color);
            }
        }
        Primitive::Triangle { fill, .. } => *fill = turn(*fill),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_turn_over_and_colours_stay() {
        assert_eq!(turn(Rgba::rgb(0x22, 0x22, 0x22)), Rgba::rgb(0xe9, 0xe9, 0xe9));
        assert_eq!(turn(Rgba::rgb(0xff, 0xff, 0xff)), Rgba::rgb(0x1e, 0x1e, 0x1e));
        assert_eq!(turn(Rgba([255, 255, 255, 217])).0[3], 217, "alpha is kept");
        assert_eq!(turn(crate::scene::style::VERMILLION), crate::scene::style::VERMILLION);
        // Darker greys become lighter than lighter greys did: emphasis is kept.
        let (title, footer) = (turn(Rgba::rgb(0x16, 0x16, 0x16)).0[0], turn(Rgba::rgb(0x55, 0x55, 0x55)).0[0]);
        assert!(title > footer);
        assert_eq!(Theme::parse("Dark"), Ok(Theme::Dark));
        assert!(Theme::parse("sepia").is_err());
    }
}
