// Stands in for @excalidraw/mermaid-to-excalidraw (mermaid adds ~6 MB of lazy
// chunks). Mermaid-to-Excalidraw is hidden in the UI; a pasted Mermaid
// definition falls back to a plain text paste.
export async function parseMermaidToExcalidraw() {
  throw new Error("Mermaid import is not available in the Mockloop whiteboard");
}
