// Must be imported before @excalidraw/excalidraw: Excalidraw resolves font URLs
// against window.EXCALIDRAW_ASSET_PATH. A page may set it before loading the
// bundle; otherwise fonts are served from this bundle's own directory.
if (typeof window !== "undefined" && window.EXCALIDRAW_ASSET_PATH === undefined) {
  window.EXCALIDRAW_ASSET_PATH = "/static/vendor/excalidraw/";
}
