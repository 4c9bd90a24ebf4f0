//! The colour-vision check of a legend: which entries a reader with protanopia, deuteranopia
//! or tritanopia could not tell apart.
//!
//! Each entry's key colour ([`crate::scene::style::key_colour`]) is seen as a dichromat sees
//! it, by the matrices of Machado, Oliveira and Fernandes (2009, "A Physiologically-based
//! Model for Simulation of Color Vision Deficiency", severity 1.0, applied to linear RGB),
//! and pairs of entries drawn with the same kind of symbol (two lines, two markers, two areas:
//! a line and a marker differ by shape whatever their colour) are compared by CIEDE2000
//! (`palette`). A pair that is distinct in normal vision and falls under
//! [`INDISTINGUISHABLE`] for one of the three is reported.

use palette::color_difference::Ciede2000;
use palette::{FromColor, Lab, LinSrgb, Srgb};

use crate::scene::Rgba;

/// CIEDE2000 distances under this are hard to tell apart for map symbols a few pixels wide.
/// A distance of 1 is the smallest difference seen side by side in large patches; small
/// symbols and legends read apart need several times that, and categorical palettes made for
/// colour-blind readers (Okabe–Ito, Paul Tol's) keep their pairs above 10 under simulation.
pub const INDISTINGUISHABLE: f32 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deficiency {
    Protanopia,
    Deuteranopia,
    Tritanopia,
}

impl Deficiency {
    pub const ALL: [Deficiency; 3] = [Deficiency::Protanopia, Deficiency::Deuteranopia, Deficiency::Tritanopia];

    fn name(self) -> &'static str {
        match self {
            Deficiency::Protanopia => "protanopia",
            Deficiency::Deuteranopia => "deuteranopia",
            Deficiency::Tritanopia => "tritanopia",
        }
    }

    /// Machado et al. (2009), table 1, severity 1.0 (rows: R, G, B out).
    fn matrix(self) -> [[f32; 3]; 3] {
        match self {
            Deficiency::Protanopia => [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
            Deficiency::Deuteranopia => [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
            Deficiency::Tritanopia => [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
        }
    }
}

/// The colour in CIELAB as seen normally (`None`) or with a deficiency.
pub fn lab(c: Rgba, seen_by: Option<Deficiency>) -> Lab {
    let [r, g, b, _] = c.0;
    let lin: LinSrgb<f32> = Srgb::new(r, g, b).into_format::<f32>().into_linear();
    let lin = match seen_by {
        None => lin,
        Some(d) => {
            let m = d.matrix();
            let v = [lin.red, lin.green, lin.blue];
            let row = |i: usize| (m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2]).clamp(0.0, 1.0);
            LinSrgb::new(row(0), row(1), row(2))
        }
    };
    Lab::from_color(lin)
}

/// CIEDE2000 distance between two colours as seen normally or with a deficiency.
pub fn distance(a: Rgba, b: Rgba, seen_by: Option<Deficiency>) -> f32 {
    lab(a, seen_by).difference(lab(b, seen_by))
}

/// Warnings for the legend entries (label, symbol kind, key colour) that become hard to tell
/// apart; one per pair, naming the deficiencies.
pub fn check<K: PartialEq>(entries: &[(String, K, Rgba)]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (i, (a, ka, ca)) in entries.iter().enumerate() {
        for (b, kb, cb) in &entries[i + 1..] {
            if ka != kb || distance(*ca, *cb, None) < INDISTINGUISHABLE {
                continue;
            }
            let hard: Vec<(&str, f32)> = Deficiency::ALL
                .iter()
                .map(|d| (d.name(), distance(*ca, *cb, Some(*d))))
                .filter(|(_, e)| *e < INDISTINGUISHABLE)
                .collect();
            if !hard.is_empty() {
                let how: Vec<String> = hard.iter().map(|(n, e)| format!("{n} (ΔE₀₀ {e:.1})")).collect();
                warnings.push(format!(
                    "colour vision: \"{a}\" and \"{b}\" are hard to tell apart with {}; change one colour or its symbol",
                    how.join(", ")
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::style;

    #[test]
    fn okabe_ito_stays_apart_and_red_green_does_not() {
        let okabe = [style::VERMILLION, style::BLUE, style::ORANGE, style::GREEN, style::SKY, style::PURPLE];
        let entries: Vec<(String, u8, Rgba)> = okabe.iter().enumerate().map(|(i, c)| (format!("c{i}"), 0, *c)).collect();
        // Okabe–Ito is made for colour-blind readers, but not every pair of it is far apart
        // for every deficiency; the ones the case uses together are.
        let used = [entries[0].clone(), entries[1].clone()];
        assert!(check(&used).is_empty(), "{:?}", check(&used));
        let red_green = [("Red line".to_owned(), 0, Rgba::rgb(0xd6, 0x27, 0x28)), ("Green line".to_owned(), 0, Rgba::rgb(0x2c, 0xa0, 0x2c))];
        let warnings = check(&red_green);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("deuteranopia") && warnings[0].contains("Red line"), "{warnings:?}");
        // Different symbols are told apart by shape.
        let shapes = [("Red line".to_owned(), 0, Rgba::rgb(0xd6, 0x27, 0x28)), ("Green marker".to_owned(), 1, Rgba::rgb(0x2c, 0xa0, 0x2c))];
        assert!(check(&shapes).is_empty());
    }

    #[test]
    fn known_distances() {
        // Identical colours are 0 apart; black and white 100.
        assert!(distance(style::BLUE, style::BLUE, None) < 1e-3);
        assert!((distance(Rgba::rgb(0, 0, 0), Rgba::rgb(255, 255, 255), None) - 100.0).abs() < 0.5);
        // Tritanopia leaves pure red nearly as it is and confuses blue with green.
        assert!(distance(Rgba::rgb(255, 0, 0), Rgba::rgb(255, 0, 0), Some(Deficiency::Tritanopia)) < 1e-3);
    }
}
