// The losses lab: softmax (softmax.js), p and q with entropy, cross-entropy and KL
// (divergence.js), the one-peak fits (fit.js), BCE against MSE per logit (binary.js) and in
// training, side by side (compare.js). Every plotted number comes from the engine.

import { SoftmaxPanel } from "./softmax.js";
import { DivergencePanel } from "./divergence.js";
import { FitPanel } from "./fit.js";
import { BinaryPanel } from "./binary.js";
import { ComparePanel } from "./compare.js";

const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.json();
}

async function main() {
  const [catalog, lab] = await Promise.all([getJson("/api/catalog"), getJson("/api/losses/lab")]);
  const softmax = new SoftmaxPanel({ controls: $("softmax-controls"), probs: $("softmax-chart"), grad: $("softmax-grad-chart"), nll: $("nll") }, lab.max_classes);
  const divergence = new DivergencePanel({ presets: $("kl-presets"), p: $("p-chart"), q: $("q-chart"), chart: $("kl-chart"), numbers: $("kl-numbers") });
  const fit = new FitPanel({ controls: $("fit-controls"), chart: $("fit-chart"), numbers: $("fit-numbers") });
  const binary = new BinaryPanel({ controls: $("binary-controls"), loss: $("binary-chart"), grad: $("binary-grad-chart") });
  await Promise.all([softmax.refresh(), divergence.refresh(), fit.refresh(), binary.refresh()]);
  const compare = new ComparePanel(catalog, lab);
  document.body.classList.remove("loading");
  window.nnLosses = { softmax, divergence, fit, binary, compare }; // for the browser tests
}

main();
