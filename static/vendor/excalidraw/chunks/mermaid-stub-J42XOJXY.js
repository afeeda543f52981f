import"./chunk-PHKIAKHS.js";async function o(){throw new Error("Mermaid import is not available in the Mockloop whiteboard")}export{o as parseMermaidToExcalidraw};
