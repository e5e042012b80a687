/** Vite's client types: `import.meta.env` and CSS imports in the app's modules. */
/// <reference types="vite/client" />
