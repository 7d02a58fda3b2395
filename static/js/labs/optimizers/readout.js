// The per-racer readout table (step, loss, distance to the nearest minimum, steps to reach the
// tolerance, measured rate) and, on the quadratic, the theory panel: gradient descent's and
// momentum's rates from the Hessian's eigenvalues beside the measured ones (Goh, "Why
// Momentum Really Works", Distill 2017).

import { h } from "../../catalog.js";
import { racerColor } from "./colors.js";

const num = (v, digits = 4) => {
  if (v === null || v === undefined) return "–";
  if (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(+v.toPrecision(digits));
};

export class Readout {
  constructor(body) {
    this.body = body;
    this.rows = [];
  }

  /** One row per racer (rebuilt when the racers change). */
  setRacers(labels) {
    this.rows = labels.map((label, i) => {
      const cells = Array.from({ length: 5 }, () => h("td", { class: "num" }));
      const name = h("td", { class: "opt-racer-name" },
        h("span", { class: "opt-swatch", style: `background:${racerColor(i)}` }), h("span", { text: label }));
      const row = h("tr", { "data-racer": String(i) }, name, ...cells);
      return { row, name: name.lastChild, cells };
    });
    this.body.replaceChildren(...this.rows.map((r) => r.row));
  }

  update(race, labels) {
    race.readout.forEach((r, i) => {
      const row = this.rows[i];
      if (!row) return;
      const label = labels[i] ?? r.label;
      row.name.textContent = r.status === "diverged" ? `${label} (diverged)` : label;
      row.row.classList.toggle("diverged", r.status === "diverged");
      const values = [String(r.step), num(r.loss), num(r.distance), r.steps_to_tolerance ?? "–", num(race.rates[i])];
      row.cells.forEach((cell, j) => {
        cell.textContent = values[j];
      });
      row.row.dataset.loss = String(r.loss);
      row.row.dataset.step = String(r.step);
    });
  }
}

/** The theory panel: shown when at least one racer is sgd on the quadratic. */
export class TheoryPanel {
  /** @param {object} o {onOptimal(index, {lr, momentum})} */
  constructor(wrap, body, o) {
    this.wrap = wrap;
    this.body = body;
    this.onOptimal = o.onOptimal;
    this.key = "";
  }

  update(race, labels) {
    const items = race.theory.map((t, i) => (t ? { t, i } : null)).filter(Boolean);
    this.wrap.hidden = items.length === 0;
    if (!items.length) return;
    const key = items.map(({ i }) => `${i}:${labels[i]}`).join(",");
    if (key !== this.key) this._build(items, labels);
    this.key = key;
    const first = items[0].t;
    const [lmin, lmax] = first.eigenvalues;
    this.intro.textContent =
      `Eigenvalues λ = ${num(lmin)}, ${num(lmax)} (κ = ${num(first.condition)}). In each ` +
      "eigendirection gradient descent multiplies the error by 1 − ηλ, so its rate is " +
      "max|1 − ηλ| and it diverges for η > 2/λ_max. Momentum's rate is the spectral radius of " +
      "its 2×2 step map.";
    this.best.textContent =
      `Best GD: η = ${num(first.gd_optimal_lr)}, rate ${num(first.gd_optimal_rate)} = (κ−1)/(κ+1). ` +
      `Best momentum: η = ${num(first.momentum_optimal_lr)}, μ = ${num(first.momentum_optimal_beta)}, ` +
      `rate ${num(first.momentum_optimal_rate)} = (√κ−1)/(√κ+1).`;
    items.forEach(({ t, i }, row) => {
      const [gd, mom, measured, button] = this.cells[row];
      const values = [t.gd_rate, t.momentum_rate, race.rates[i]];
      [gd, mom, measured].forEach((cell, j) => {
        cell.dataset.value = String(values[j]);
        cell.textContent = num(values[j]);
      });
      this.optimal[row] = { lr: +t.momentum_optimal_lr.toPrecision(4), momentum: +t.momentum_optimal_beta.toPrecision(4) };
      button.title = `Set this racer to the optimal heavy-ball settings: η = ${this.optimal[row].lr}, μ = ${this.optimal[row].momentum}`;
    });
  }

  _build(items, labels) {
    this.cells = [];
    this.optimal = [];
    const rows = items.map(({ i }, row) => {
      const cells = [0, 1, 2].map(() => h("td", { class: "num" }));
      const button = h("button", {
        type: "button", class: "text-btn opt-mini-btn", text: "Optimal",
        onclick: () => this.onOptimal(i, this.optimal[row]),
      });
      this.cells.push([...cells, button]);
      return h("tr", { "data-racer": String(i) },
        h("td", {}, h("span", { class: "opt-swatch", style: `background:${racerColor(i)}` }), h("span", { text: labels[i] })),
        ...cells, h("td", {}, button));
    });
    this.intro = h("p", { class: "opt-explain" });
    this.best = h("p", { class: "opt-explain" });
    this.body.replaceChildren(
      this.intro,
      h("table", { class: "opt-table opt-theory-table" },
        h("thead", {}, h("tr", {},
          h("th", { text: "Racer" }),
          h("th", { text: "GD rate", title: "max|1 − ηλ|: plain gradient descent with this step size" }),
          h("th", { text: "Momentum", title: "Theoretical rate with this racer's momentum (equal to the GD rate when μ = 0)" }),
          h("th", { text: "Measured", title: "The racer's measured contraction (last 100 steps)" }),
          h("th", { text: "" }))),
        h("tbody", {}, ...rows)),
      this.best,
    );
  }
}
