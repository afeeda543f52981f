// Where the vendored Excalidraw bundle finds its fonts and chunks (read by whiteboard.js).
window.EXCALIDRAW_ASSET_PATH = document.currentScript.dataset.assetPath;
