// One card per racer: its colour, its optimizer (any of the catalog's), a log-scale
// learning-rate slider (red beyond the divergence limit on the quadratic), the optimizer's
// next two hyperparameters, and the rest under "More". Every control comes from the catalog.

import { h, humanize, paramControl } from "../../catalog.js";
import { racerColor } from "./colors.js";
import { logSlider } from "./slider.js";

const SHOWN = 2; // hyperparameters besides the learning rate shown without opening "More"

export class RacerCards {
  /**
   * @param {object} o {catalog, onChange(i, changes, final), onSwitch(i, name), onRemove(i)}
   */
  constructor(el, o) {
    this.el = el;
    this.o = o;
    this.optimizers = Object.fromEntries(o.catalog.optimizers.map((c) => [c.name, c]));
    this.cards = [];
  }

  /** racers: [{id, name, ...hyperparameters}] */
  render(racers) {
    this.cards = racers.map((r, i) => this._card(r, i, racers.length));
    this.el.replaceChildren(...this.cards.map((c) => c.el));
  }

  _card(racer, i, count) {
    const opt = this.optimizers[racer.name];
    const select = h("select", {
      id: `ctl-racer-${i}-optimizer`, "aria-label": `Optimizer ${i + 1}`,
      title: `Optimizer ${i + 1}: ${opt.help}`,
    }, ...this.o.catalog.optimizers.map((c) => h("option", { value: c.name, text: c.name, title: c.help })));
    select.value = racer.name;
    select.addEventListener("change", () => this.o.onSwitch(i, select.value));
    const remove = h("button", {
      type: "button", class: "opt-remove", "aria-label": `Remove optimizer ${i + 1}`,
      title: "Remove this optimizer from the race", text: "×", disabled: count <= 1,
      onclick: () => this.o.onRemove(i),
    });
    const head = h("div", { class: "opt-card-head" },
      h("span", { class: "opt-swatch big", style: `background:${racerColor(i)}` }),
      h("label", { for: select.id, class: "opt-sr", text: `Optimizer ${i + 1}` }), select,
      h("span", { class: "opt-card-help", text: opt.help }), remove);
    const controls = {};
    const shown = [];
    const more = [];
    let lr = null;
    for (const p of opt.params) {
      const id = `racer-${i}-${p.name}`;
      if (p.name === "lr") {
        lr = logSlider({
          id, label: "Learning rate η", help: p.help, low: p.low, high: p.high, value: racer[p.name] ?? p.default,
          onInput: (v) => this.o.onChange(i, { lr: v }, false),
          onChange: (v) => this.o.onChange(i, { lr: v }, true),
        });
        controls.lr = lr;
        continue;
      }
      const c = paramControl({
        id, param: p, value: racer[p.name] ?? p.default, label: humanize(p.name),
        onChange: (v) => this.o.onChange(i, { [p.name]: v }, true),
      });
      controls[p.name] = c;
      (shown.length < SHOWN ? shown : more).push(c.el);
    }
    const details = more.length
      ? h("details", { class: "opt-more" }, h("summary", { text: "More", title: "The optimizer's other hyperparameters" }), ...more)
      : null;
    const el = h("div", { class: "opt-card", "data-racer": String(i), style: `--racer:${racerColor(i)}` },
      head, lr?.el, h("div", { class: "opt-card-row" }, ...shown), details);
    return { el, controls, lr };
  }

  /** Reflect a value the page set itself (e.g. "Optimal"). */
  set(i, name, value) {
    this.cards[i]?.controls[name]?.set(value);
  }

  setZone(i, from, text) {
    this.cards[i]?.lr?.setZone(from, text);
  }
}
