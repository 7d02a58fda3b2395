// The optimizers arena page: the race (arena.js) and batch vs mini-batch on a real network
// (network.js), both built from GET /api/catalog.

import { Arena } from "./arena.js";
import { BatchComparison } from "./network.js";

const $ = (id) => document.getElementById(id);

function banner(text) {
  $("opt-banner-text").textContent = text;
  $("opt-banner").hidden = false;
}

async function main() {
  const response = await fetch("/api/catalog");
  if (!response.ok) throw new Error(`GET /api/catalog: ${response.status}`);
  const catalog = await response.json();
  $("opt-banner-close").addEventListener("click", () => ($("opt-banner").hidden = true));
  const arena = new Arena(catalog, banner);
  arena.init();
  const network = new BatchComparison(catalog, banner);
  network.init();
  document.body.classList.remove("loading");
  window.nnOptimizers = { arena, network, catalog }; // for the browser tests and the curious
}

main();
