// The activations lab: the function explorer (explorer.js) and gradient flow through depth
// (flow.js). Controls come from the catalog (/api/catalog) and the lab's presets and
// thresholds from /api/activations/lab; every plotted number comes from the engine.

import { Explorer } from "./explorer.js";
import { GradientFlow } from "./flow.js";

const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}

async function main() {
  const [catalog, lab] = await Promise.all([getJson("/api/catalog"), getJson("/api/activations/lab")]);
  const explorer = new Explorer(catalog, {
    picker: $("fn-picker"), cards: $("fn-cards"), f: $("fn-chart"), df: $("dfn-chart"), range: $("fn-range"),
  });
  await explorer.refresh();
  const flow = new GradientFlow(catalog, lab);
  document.body.classList.remove("loading");
  window.nnActivations = { explorer, flow }; // for the browser tests and the curious
}

main();
