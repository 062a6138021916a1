// Vite builds the front end into dist/, which `muster serve --web web/dist` serves from the
// API's own origin. `npm run dev` proxies the API to a server on 127.0.0.1:8080.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const apiPrefixes = ["/auth", "/persons", "/summonses", "/excuses", "/objections", "/grounds",
  "/profile", "/verify", "/stats", "/reviews", "/lifts", "/health"];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  css: {
    // govuk-frontend still carries an old Internet Explorer hack (`@media screen\0`) that
    // Lightning CSS cannot parse; recovery drops that one rule, which modern browsers ignore.
    lightningcss: { errorRecovery: true },
    preprocessorOptions: {
      scss: {
        // govuk-frontend is used through `@use "govuk-frontend/dist/govuk" with (…)`.
        loadPaths: ["node_modules"],
        quietDeps: true,
      },
    },
  },
  server: {
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, "http://127.0.0.1:8080"])),
  },
});
