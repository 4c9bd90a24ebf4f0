//! The egui front end: the window, the map view and its panels.
//!
//! The only module that knows about egui, eframe and walkers. It turns user input into changes
//! of the app state and paints what `scene` builds.

mod ais_panel;
mod app;
mod database;
mod editor;
mod export_dialog;
mod files;
mod fonts;
mod imagery;
mod layers;
mod loading;
mod map_view;
mod measure;
mod paint;
mod panel;
pub mod tiles;
mod timeline;
mod tools;

pub use app::{Options, Persisted, PortolanApp};
pub use export_dialog::ExportDialog;

/// Opens the window and runs until it is closed.
pub fn run(options: Options) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([640.0, 400.0])
            .with_title("Portolan"),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let outcome = options.screenshot.as_ref().map(|_| app::ScreenshotOutcome::default());
    let outcome_for_app = outcome.clone();
    eframe::run_native(
        "Portolan",
        native,
        Box::new(move |cc| Ok(Box::new(PortolanApp::new(&cc.egui_ctx, options, outcome_for_app, cc.storage)))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    match outcome.map(|o| o.take()) {
        Some(Some(Err(e))) => Err(anyhow::anyhow!(e)),
        Some(None) => Err(anyhow::anyhow!("the window closed before the screenshot was taken")),
        _ => Ok(()),
    }
}
