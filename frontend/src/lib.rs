//! The wasm entry: hydrates the server-rendered page and nothing else.

/// Called by the generated JS once the wasm module loads.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(tessera_app::App);
}
