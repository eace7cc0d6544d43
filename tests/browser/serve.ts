// Bundles page.ts with esbuild (no network) and serves it from http://localhost: WebGPU needs
// a secure context, which localhost is and about:blank is not.
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The page bundle as one browser script. */
export async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [here("./page.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: ["webgpu"], // Dawn for Node: the page uses navigator.gpu instead
    define: { "process.env": "{}" },
    plugins: [{
      name: "node-builtins",
      setup(b) {
        // every builtin becomes a module with the real one's export names, each throwing if the
        // page ever calls it; path/url/fs take node-shims.ts's working stand-ins (used at module
        // load) where it has them, so a package importing another fs function still bundles
        const shimmed = /^node:(path|url|fs)$/;
        b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: "node-stub" }));
        b.onLoad({ filter: /.*/, namespace: "node-stub" }, async (a) => {
          const shims = shimmed.test(a.path) ? new Set(Object.keys(await import("./node-shims"))) : new Set<string>();
          const names = Object.keys(await import(a.path)).filter((n) => n !== "default" && !shims.has(n) && /^[A-Za-z_$][\w$]*$/.test(n));
          const stub = (n: string) => `export const ${n} = () => { throw new Error("${a.path}.${n} is not available in the browser"); };`;
          const reexport = shims.size ? [`export * from ${JSON.stringify(here("./node-shims.ts"))};`, `export { default } from ${JSON.stringify(here("./node-shims.ts"))};`] : ["export default {};"];
          return { contents: [...names.map(stub), ...reexport].join("\n"), loader: "js", resolveDir: here(".") };
        });
      },
    }],
    banner: { js: "globalThis.process ??= { cwd: () => '/', env: {} };" },
  });
  return out.outputFiles[0].text;
}

/** Serves the page on a free localhost port; resolves to the server and its URL. */
export async function servePage(script: string): Promise<{ server: Server; url: string }> {
  const html = `<!doctype html><meta charset="utf-8"><title>adjoint webgpu</title><script type="module" src="/page.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://localhost:${port}/` };
}
