import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));

// The WASM package is built by scripts/wasm-build.sh into ../wasm/pkg.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: {
        main: resolve(here, "index.html"),
        bench: resolve(here, "bench.html"),
      },
    },
  },
  server: {
    fs: { allow: [resolve(here, "..")] },
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
