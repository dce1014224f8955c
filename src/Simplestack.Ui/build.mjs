// Bundles the console page into dist/ (what the gateway serves under /ui/): one script, one
// stylesheet and the page, with noVNC and xterm.js inside, so the page loads nothing from elsewhere.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";

const outdir = process.argv[2] ?? "dist";
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await build({
  entryPoints: { app: "src/main.js", style: "src/style.css" },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  outdir,
  logLevel: "warning",
});
await copyFile("src/index.html", `${outdir}/index.html`);
