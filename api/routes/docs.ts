// GET /openapi.json and GET /docs (no auth). The reference page is Swagger UI
// served from the installed swagger-ui-dist, so it works without internet access.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";

const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The only files served from swagger-ui-dist, with their content types. */
const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

// Relative URLs, so the page also works behind a reverse proxy's path prefix.
const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>taskcal API</title>
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

const init = `window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

const cache = new Map<string, Buffer>();

async function asset(name: string) {
  let body = cache.get(name);
  if (!body) {
    body = await readFile(join(swaggerDir, name));
    cache.set(name, body);
  }
  return body;
}

export const docsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/docs",
      tags: ["service"],
      summary: "API reference page (Swagger UI, no external assets)",
      security: [],
      responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
    }),
    (c) => c.html(page, 200),
  )
  .get("/docs/init.js", (c) => c.body(init, 200, { "content-type": "text/javascript; charset=utf-8" }))
  .get("/docs/:asset", async (c) => {
    const name = c.req.param("asset");
    const type = assets[name];
    if (!type) throw new ApiError("not_found", `no asset ${name}`);
    return c.body(new Uint8Array(await asset(name)), 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
