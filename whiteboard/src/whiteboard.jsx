// Mockloop whiteboard: a thin wrapper around Excalidraw for the live interview
// room. It exports nothing; it sets window.MockloopWhiteboard = { mount }.
import "./asset-path.js"; // keep first: sets the default EXCALIDRAW_ASSET_PATH
import { createRoot } from "react-dom/client";
import {
  Excalidraw,
  MainMenu,
  CaptureUpdateAction,
  exportToBlob,
  exportToSvg,
  getNonDeletedElements,
  reconcileElements,
  restoreElements,
} from "@excalidraw/excalidraw";

const FLUSH_INTERVAL_MS = 100; // onLocalChange at most ~10 times per second

// UI without a prop to turn it off that reaches external services or is not
// wired up here: the library's "Browse libraries" link and "Publish" item
// (upstream gives it the "lib-dropdown--remove" test id), the help dialog's
// links to excalidraw.com / GitHub / YouTube, and the extra-tools entries
// "Web Embed" (embeds are refused by validateEmbeddable=false anyway) and
// "Mermaid to Excalidraw" (mermaid is stubbed out of this build; upstream
// gives both entries the "toolbar-embeddable" test id) with their
// "Generate" heading.
const STYLE_ID = "mockloop-whiteboard-style";
const STYLE_TEXT = `
.excalidraw .library-menu-browse-button,
.excalidraw .library-menu-dropdown-container [data-testid="lib-dropdown--remove"],
.excalidraw .HelpDialog__header,
.excalidraw .App-toolbar__extra-tools-dropdown [data-testid="toolbar-embeddable"],
.excalidraw .App-toolbar__extra-tools-dropdown .dropdown-menu-container > div[style] {
  display: none !important;
}
`;

function injectStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLE_TEXT;
  document.head.appendChild(style);
}

const clone = (value) =>
  typeof structuredClone === "function"
    ? structuredClone(value)
    : JSON.parse(JSON.stringify(value));

function WhiteboardMenu() {
  return (
    <MainMenu>
      <MainMenu.DefaultItems.SaveAsImage />
      <MainMenu.DefaultItems.Export />
      <MainMenu.DefaultItems.ClearCanvas />
      <MainMenu.Separator />
      <MainMenu.DefaultItems.ToggleTheme />
      <MainMenu.DefaultItems.ChangeCanvasBackground />
    </MainMenu>
  );
}

function mount(container, options = {}) {
  if (!(container instanceof HTMLElement)) {
    throw new TypeError("MockloopWhiteboard.mount: container must be an HTMLElement");
  }
  const {
    initialElements = [],
    viewMode = false,
    onLocalChange = null,
    theme = "light",
  } = options;

  injectStyle();

  let api = null;
  let ready = false; // true once Excalidraw has loaded initialData
  let unmounted = false;
  let flushTimer = null;
  let lastFlush = 0;
  const pendingRemote = []; // applyRemote() calls made before ready
  // id -> highest version already reported to, or applied from, remote.
  const synced = new Map();

  const initial = clone(Array.isArray(initialElements) ? initialElements : []);
  for (const el of initial) synced.set(el.id, el.version);

  function markSynced(el) {
    const prev = synced.get(el.id);
    if (prev === undefined || el.version > prev) synced.set(el.id, el.version);
  }

  function collectChanged() {
    const changed = [];
    for (const el of api.getSceneElementsIncludingDeleted()) {
      const prev = synced.get(el.id);
      if (prev === undefined || el.version > prev) changed.push(el);
    }
    return changed;
  }

  function flush() {
    if (flushTimer !== null) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    lastFlush = Date.now();
    if (!api || !ready) return;
    const changed = collectChanged();
    if (!changed.length) return;
    for (const el of changed) markSynced(el);
    if (typeof onLocalChange === "function") {
      try {
        onLocalChange(clone(changed));
      } catch (err) {
        console.error("MockloopWhiteboard onLocalChange handler failed", err);
      }
    }
  }

  function scheduleFlush() {
    if (flushTimer !== null || unmounted) return;
    const wait = Math.max(0, FLUSH_INTERVAL_MS - (Date.now() - lastFlush));
    flushTimer = setTimeout(flush, wait);
  }

  function doApplyRemote(remoteElements) {
    const remote = restoreElements(clone(remoteElements), null);
    // Snapshot now: reconciliation may repair fractional indices in place,
    // bumping an element's version; such a bump is a local change to report.
    const received = new Map(remote.map((el) => [el.id, [el.version, el.versionNonce]]));
    const reconciled = reconcileElements(
      api.getSceneElementsIncludingDeleted(),
      remote,
      api.getAppState(),
    );
    api.updateScene({
      elements: reconciled,
      captureUpdate: CaptureUpdateAction.NEVER,
    });
    // Record what was taken from remote so it is never reported back. Local
    // elements that won reconciliation keep their unreported versions.
    for (const el of api.getSceneElementsIncludingDeleted()) {
      const r = received.get(el.id);
      if (r && el.version === r[0] && el.versionNonce === r[1]) markSynced(el);
    }
  }

  function onChange() {
    if (!ready) {
      // First onChange arrives once initialData is in the scene. Whatever
      // Excalidraw's restore did to the initial elements (e.g. assigning
      // fractional indices bumps versions) is not a local edit: mark it synced.
      ready = true;
      for (const el of api.getSceneElementsIncludingDeleted()) markSynced(el);
      while (pendingRemote.length) doApplyRemote(pendingRemote.shift());
    }
    scheduleFlush();
  }

  const root = createRoot(container);
  root.render(
    <Excalidraw
      excalidrawAPI={(a) => {
        api = a;
      }}
      initialData={{
        elements: initial,
        appState: { theme, viewBackgroundColor: "#ffffff" },
        scrollToContent: initial.length > 0,
      }}
      onChange={onChange}
      viewModeEnabled={!!viewMode}
      name="Mockloop whiteboard"
      validateEmbeddable={false}
      aiEnabled={false}
      UIOptions={{
        tools: { image: false },
        canvasActions: {
          loadScene: false,
          saveToActiveFile: false,
          changeViewBackgroundColor: true,
          clearCanvas: true,
          export: { saveFileToDisk: true },
          saveAsImage: true,
          toggleTheme: true,
        },
      }}
    >
      <WhiteboardMenu />
    </Excalidraw>,
  );

  function requireApi() {
    if (!api || !ready) throw new Error("MockloopWhiteboard: whiteboard is not ready yet");
    return api;
  }

  function exportArgs() {
    const a = requireApi();
    return {
      elements: getNonDeletedElements(a.getSceneElementsIncludingDeleted()),
      appState: { ...a.getAppState(), exportBackground: true },
      files: a.getFiles(),
    };
  }

  return {
    applyRemote(elements) {
      if (unmounted || !Array.isArray(elements) || !elements.length) return;
      if (!api || !ready) pendingRemote.push(elements);
      else doApplyRemote(elements);
    },
    getElements() {
      if (api && ready) return clone(api.getSceneElementsIncludingDeleted());
      return clone(initial);
    },
    async exportPng() {
      return exportToBlob({ ...exportArgs(), mimeType: "image/png" });
    },
    async exportSvg() {
      const svg = await exportToSvg(exportArgs());
      return svg.outerHTML;
    },
    unmount() {
      if (unmounted) return;
      flush(); // deliver the last local edits
      unmounted = true;
      root.unmount();
      api = null;
    },
  };
}

window.MockloopWhiteboard = { mount };
