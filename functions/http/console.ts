// GET /console and GET /console/{file}: the web console's page and files (docs/console.md). Public:
// the page signs in with an API key the browser keeps for its session, and every call it makes
// goes through the API like any client's.
import { httpRoute } from "../../shared/http/handler.ts";
import { consoleAssets } from "../../shared/console/index.ts";

// On AWS the files sit in assets/ beside the bundle (cdk/constructs/manifest-function.ts); locally in the repository.
const assets = consoleAssets([
  new URL("./assets/", import.meta.url),
  new URL("../../console/", import.meta.url),
  new URL("../../node_modules/uplot/dist/", import.meta.url),
]);

export const handler = httpRoute({ auth: false }, async (request) => {
  const file = request.event.pathParameters?.file;
  return assets(file === undefined ? "index.html" : file);
});
