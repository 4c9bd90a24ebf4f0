//! The bundled fonts: Noto Sans first (Latin, Greek, Cyrillic), then egui's own fonts, then
//! Hangul and arrows as fallbacks.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

use crate::fonts::{NOTO_HANGUL, NOTO_MATH, NOTO_SANS, NOTO_SANS_BOLD};

pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("noto".into(), Arc::new(FontData::from_static(NOTO_SANS)));
    fonts.font_data.insert("noto-bold".into(), Arc::new(FontData::from_static(NOTO_SANS_BOLD)));
    fonts.font_data.insert("noto-hangul".into(), Arc::new(FontData::from_static(NOTO_HANGUL)));
    fonts.font_data.insert("noto-math".into(), Arc::new(FontData::from_static(NOTO_MATH)));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let list = fonts.families.entry(family.clone()).or_default();
        if family == FontFamily::Proportional {
            list.insert(0, "noto".into());
        }
        list.push("noto".into());
        list.push("noto-hangul".into());
        list.push("noto-math".into());
    }
    fonts.families.insert(FontFamily::Name("bold".into()), vec!["noto-bold".into(), "noto".into(), "noto-hangul".into(), "noto-math".into()]);
    ctx.set_fonts(fonts);
}
