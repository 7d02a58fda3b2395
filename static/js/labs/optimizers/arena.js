// The race: one websocket session running `race` (docs/protocol.md), the surface and race
// controls, the racer cards, the contour plot with trails, the loss chart, the readout and the
// theory panel. Frames are drawn at most once per animation frame; the trails of every frame
// are kept (they carry only the points since the previous frame).

import { TrainSocket } from "../../socket.js";
import { componentSelect, formatNumber, h, humanize, paramControl } from "../../catalog.js";
import { ContourChart } from "./contour.js";
import { RaceLossChart } from "./losschart.js";
import { RacerCards } from "./racers.js";
import { Readout, TheoryPanel } from "./readout.js";
import { logSlider } from "./slider.js";
import { formulaText } from "./formula.js";
import { readHash, toHash } from "./hashstate.js";
import { bindTransportKeys } from "../../keys.js";

const $ = (id) => document.getElementById(id);
// The race a first visit sees: gradient descent with and without momentum against two
// adaptive methods on the quadratic (a page preset, not a catalog default).
const DEFAULT_RACE = {
  surface: { name: "quadratic" },
  racers: [
    { name: "sgd", lr: 0.1 }, { name: "sgd", lr: 0.1, momentum: 0.5 },
    { name: "rmsprop", lr: 0.05 }, { name: "adam", lr: 0.1 },
  ],
  start: null, noise: 0, seed: 1, tolerance: 0.001, speed: 60,
};
const LOSS_FPS = 10; // loss chart redraws per second while running (the trails: every frame)
const ADDED_LR = 0.05; // an added racer's learning rate (the catalog's 0.001 barely moves here)

export class Arena {
  constructor(catalog, banner) {
    this.catalog = catalog;
    this.banner = banner;
    this.surfaces = Object.fromEntries(catalog.surfaces.map((s) => [s.name, s]));
    this.optimizers = Object.fromEntries(catalog.optimizers.map((o) => [o.name, o]));
    this.race = structuredClone(DEFAULT_RACE);
    readHash(location.hash, this.race, catalog);
    this.state = "paused";
    this.step = 0;
    this.steps = [];
    this.pendingRestart = 0; // seq of a start change whose frame restarts the trails
    this.latest = null;
    this.latencies = new Map(); // seq -> performance.now() of the change
    this.scheduled = false;
  }

  init() {
    this.contour = new ContourChart($("contour"), {
      onStart: (p, final) => this.moveStart(p, final),
      onHover: (p, f) => ($("contour-hover").textContent = `f(${p[0].toFixed(2)}, ${p[1].toFixed(2)}) = ${Number(f.toPrecision(4))}`),
    });
    this.loss = new RaceLossChart($("race-loss"));
    this.readout = new Readout($("readout-body"));
    this.theory = new TheoryPanel($("theory"), $("theory-body"), {
      onOptimal: (i, values) => this.changeRacer(i, values, true, true),
    });
    this.cards = new RacerCards($("racers"), {
      catalog: this.catalog,
      onChange: (i, changes, final) => this.changeRacer(i, changes, final),
      onSwitch: (i, name) => this.switchRacer(i, name),
      onRemove: (i) => this.setRacers(this.race.racers.filter((_, j) => j !== i)),
    });
    this.buildControls();
    this.cards.render(this.race.racers);
    this.bindTransport();
    this.socket = new TrainSocket({
      open: () => this.onOpen(),
      close: () => this.setConn("bad", "disconnected: reconnecting…"),
      status: (m) => this.onStatus(m),
      surface: (m) => this.onSurface(m),
      frame: (m) => this.onFrame(m),
      error: (m) => this.banner(`${m.message}`),
    });
  }

  // ---- config ---------------------------------------------------------------------------------

  labels() {
    const names = this.race.racers.map((r) => r.name);
    return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} ${names.slice(0, i + 1).filter((m) => m === n).length}` : n));
  }

  racerSpecs() {
    return this.race.racers.map((r, i) => ({ id: String.fromCharCode(97 + i), ...r }));
  }

  config() {
    const r = this.race;
    return { surface: r.surface, racers: this.racerSpecs(), start: r.start, noise: r.noise, seed: r.seed, tolerance: r.tolerance };
  }

  writeHash() {
    history.replaceState(null, "", toHash(this.race));
  }

  send(type, fields = {}) {
    return this.socket.send(type, fields);
  }

  configure(changes) {
    const seq = this.send("configure", { changes });
    if (seq) this.latencies.set(seq, performance.now());
    this.writeHash();
    return seq;
  }

  // ---- controls -------------------------------------------------------------------------------

  buildControls() {
    const surfaceSelect = componentSelect({
      id: "surface", label: "Surface", items: this.catalog.surfaces, value: this.race.surface.name,
      text: (s) => humanize(s.name), help: "The loss surface the optimizers race on",
      onChange: (name) => this.setSurface({ name }),
    });
    this.speed = logSlider({
      id: "speed", label: "Steps per second", help: "how fast the race runs (a cap on steps per second)",
      low: 1, high: 1000, value: this.race.speed, format: (v) => `${formatNumber(v)}/s`,
      onInput: (v) => this.setSpeed(v), onChange: (v) => this.setSpeed(v),
    });
    $("race-top-controls").replaceChildren(surfaceSelect.el, this.speed.el);
    this.surfaceSelect = surfaceSelect;
    this.buildSurfaceControls();
    const noiseParam = this.catalog.race.find((p) => p.name === "noise");
    this.noise = logSlider({
      id: "noise", label: "Gradient noise σ", help: noiseParam.help, low: 0.01, high: noiseParam.high, zero: true,
      value: this.race.noise,
      onInput: (v) => this.setLive("noise", v), onChange: (v) => this.setLive("noise", v),
    });
    const seedParam = this.catalog.race.find((p) => p.name === "seed");
    const seed = paramControl({ id: "seed", param: seedParam, value: this.race.seed, label: "Noise seed",
      onChange: (v) => { this.race.seed = v; this.configure({ seed: v }); } });
    $("race-controls").replaceChildren(this.noise.el, seed.el);
    const tolParam = this.catalog.race.find((p) => p.name === "tolerance");
    const tol = paramControl({ id: "tolerance", param: tolParam, value: this.race.tolerance, label: "Tolerance",
      onChange: (v) => this.setLive("tolerance", v) });
    $("tolerance-control").replaceChildren(tol.el);
    $("add-racer").addEventListener("click", () => this.addRacer());
  }

  buildSurfaceControls() {
    const s = this.surfaces[this.race.surface.name];
    const controls = s.params.map((p) => {
      const value = this.race.surface[p.name] ?? p.default;
      const change = (v, final) => {
        this.race.surface[p.name] = v;
        if (final || !this.surfaceTimer) {
          this.configure({ surface: this.race.surface });
          this.surfaceTimer = setTimeout(() => (this.surfaceTimer = null), 120);
        }
      };
      if (p.log) {
        return logSlider({ id: `surface-${p.name}`, label: p.name === "condition" ? "Condition number κ" : humanize(p.name),
          help: p.help, low: p.low, high: p.high, value, onInput: (v) => change(v, false), onChange: (v) => change(v, true) }).el;
      }
      return paramControl({ id: `surface-${p.name}`, param: p, value, onChange: (v) => change(v, true) }).el;
    });
    $("surface-controls").replaceChildren(...controls);
    $("surface-formula").textContent = formulaText(s.formula);
    $("surface-note").textContent = s.note;
  }

  setSurface(spec) {
    this.race.surface = { ...spec };
    this.race.start = null; // each surface has its own default start
    this.buildSurfaceControls();
    this.configure({ surface: this.race.surface, start: this.surfaces[spec.name].start });
  }

  setSpeed(v) {
    this.race.speed = v;
    this.send("speed", { epochs_per_second: v });
    this.writeHash();
  }

  setLive(key, v) {
    this.race[key] = v;
    this.configure({ [key]: v });
  }

  setRacers(racers) {
    this.race.racers = racers;
    this.cards.render(racers);
    this.configure({ racers: this.racerSpecs() });
  }

  addRacer() {
    if (this.race.racers.length >= this.catalog.max_racers) {
      this.banner(`At most ${this.catalog.max_racers} optimizers race at once.`);
      return;
    }
    const used = new Set(this.race.racers.map((r) => r.name));
    const opt = this.catalog.optimizers.find((o) => !used.has(o.name)) ?? this.catalog.optimizers[0];
    const lrParam = opt.params.find((p) => p.name === "lr");
    const lr = Math.min(Math.max(ADDED_LR, lrParam.low), lrParam.high);
    this.setRacers([...this.race.racers, { name: opt.name, lr }]);
  }

  changeRacer(i, changes, final, reflect = false) {
    Object.assign(this.race.racers[i], changes);
    if (reflect) for (const [k, v] of Object.entries(changes)) this.cards.set(i, k, v);
    if (!final) {
      // While a slider moves: at most one change per animation frame, the newest.
      this.moving = { i, changes: { ...this.moving?.changes, ...changes } };
      if (!this.moveScheduled) {
        this.moveScheduled = true;
        requestAnimationFrame(() => {
          this.moveScheduled = false;
          const m = this.moving;
          this.moving = null;
          if (m) this.configure({ racer: { index: m.i, ...m.changes } });
        });
      }
      return;
    }
    this.configure({ racer: { index: i, ...changes } });
  }

  switchRacer(i, name) {
    const old = this.race.racers[i];
    const lrParam = this.optimizers[name].params.find((p) => p.name === "lr");
    const lr = Math.min(Math.max(old.lr ?? lrParam.default, lrParam.low), lrParam.high);
    this.race.racers[i] = { name, lr };
    this.cards.render(this.race.racers);
    this.configure({ racer: { index: i, name, lr } });
    const labels = this.labels();
    Plotly.restyle($("race-loss"), { name: labels }, labels.map((_, j) => j));
    this.readout.setRacers(labels);
  }

  moveStart(p, final) {
    this.race.start = p;
    this.nextStart = p;
    if (!final && this.startScheduled) return;
    this.startScheduled = true;
    requestAnimationFrame(() => {
      this.startScheduled = false;
      if (!this.nextStart) return;
      this.pendingRestart = this.configure({ start: this.nextStart });
      this.nextStart = null;
    });
  }

  bindTransport() {
    $("race-play").addEventListener("click", () => this.send(this.state === "running" ? "pause" : "play"));
    $("race-step").addEventListener("click", () => this.send("step", { epochs: 1 }));
    $("race-rewind").addEventListener("click", () => this.send("rewind"));
    bindTransportKeys({ togglePlay: () => $("race-play").click(), step: () => $("race-step").click() });
  }

  // ---- server messages ------------------------------------------------------------------------

  setConn(kind, text) {
    const el = $("race-conn");
    el.dataset.kind = kind;
    el.textContent = text;
  }

  onOpen() {
    this.setConn("ok", "connected");
    this.send("start", { run: "race", config: this.config(), views: ["race"], play: false });
    this.send("speed", { epochs_per_second: this.race.speed });
  }

  onStatus(m) {
    this.state = m.state;
    const play = $("race-play");
    const running = m.state === "running";
    play.classList.toggle("running", running);
    play.setAttribute("aria-label", running ? "Pause" : "Play");
    play.title = running ? "Pause: stop the race (Space)" : "Play: run the race (Space)";
    document.body.dataset.raceState = m.state;
    if (m.state === "diverged") this.banner("Every optimizer diverged: lower the learning rates, then Restart.");
  }

  onSurface(m) {
    this.surfaceMsg = m;
    this.race.start = m.start;
    const labels = this.labels();
    this.contour.setSurface(m, labels);
    this.loss.reset(labels, m.surface.minimum_value);
    this.readout.setRacers(labels);
    this.steps = m.racers.map(() => 0);
    this.step = 0;
    this.pendingRestart = 0;
    this.writeHash();
  }

  onFrame(m) {
    const race = m.race;
    if (!race || !this.surfaceMsg) return;
    this.frames = (this.frames ?? 0) + 1;
    document.body.dataset.raceFrames = String(this.frames); // benchmarks count frames here
    const restart = (this.pendingRestart && m.applied >= this.pendingRestart) || race.step < this.step;
    if (restart) {
      this.pendingRestart = 0;
      this.contour.restart(this.race.start);
      this.loss.reset(this.labels(), this.surfaceMsg.surface.minimum_value);
    }
    this.step = race.step;
    this.steps = race.readout.map((r) => r.step);
    this.contour.extend(race.trails, this.steps);
    this.loss.extend(race.trails, this.steps);
    this.latest = m;
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.draw());
    }
  }

  draw() {
    this.scheduled = false;
    const m = this.latest;
    if (!m) return;
    const t0 = performance.now();
    const race = m.race;
    this.contour.draw();
    if (t0 - (this.lossAt ?? 0) >= 1000 / LOSS_FPS || this.state !== "running") {
      this.loss.draw(); // a Plotly redraw: at most LOSS_FPS a second while running
      this.lossAt = t0;
    } else if (!this.lossTimer) {
      this.lossTimer = setTimeout(() => {
        this.lossTimer = null;
        this.loss.draw();
        this.lossAt = performance.now();
      }, 1000 / LOSS_FPS);
    }
    const labels = this.labels();
    this.readout.update(race, labels);
    this.theory.update(race, labels);
    race.theory.forEach((t, i) => {
      const limit = t ? t.momentum_lr_max : null;
      const text = t ? `diverges above η = ${formatNumber(limit)}${t.momentum_lr_max === t.gd_lr_max ? " (2/λ_max)" : ""}` : "";
      this.cards.setZone(i, limit, text);
    });
    const out = $("race-steps");
    out.textContent = race.step.toLocaleString("en");
    out.dataset.step = String(race.step);
    const now = performance.now();
    document.body.dataset.raceDrawMs = (now - t0).toFixed(2);
    for (const [seq, t] of this.latencies) {
      if (m.applied >= seq) {
        document.body.dataset.latencyMs = (now - t).toFixed(1);
        this.latencies.delete(seq);
      }
    }
  }
}
