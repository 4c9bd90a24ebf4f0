//! The bundled fonts: Noto Sans first (Latin, Greek, Cyrillic), Hangul as a fallback, then
//! egui's own fonts for symbols and emoji.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

pub const NOTO_SANS: &[u8] = include_bytes!("../../resources/fonts/NotoSans-Regular-subset.ttf");
pub const NOTO_SANS_BOLD: &[u8] = include_bytes!("../../resources/fonts/NotoSans-Bold-subset.ttf");
pub const NOTO_HANGUL: &[u8] = include_bytes!("../../resources/fonts/NotoSansKR-Hangul-subset.otf");

pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("noto".into(), Arc::new(FontData::from_static(NOTO_SANS)));
    fonts.font_data.insert("noto-bold".into(), Arc::new(FontData::from_static(NOTO_SANS_BOLD)));
    fonts.font_data.insert("noto-hangul".into(), Arc::new(FontData::from_static(NOTO_HANGUL)));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let list = fonts.families.entry(family.clone()).or_default();
        if family == FontFamily::Proportional {
            list.insert(0, "noto".into());
        }
        list.push("noto".into());
        list.push("noto-hangul".into());
    }
    fonts.families.insert(FontFamily::Name("bold".into()), vec!["noto-bold".into(), "noto".into(), "noto-hangul".into()]);
    ctx.set_fonts(fonts);
}
