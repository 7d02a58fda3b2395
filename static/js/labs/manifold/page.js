// The manifold lab: glue between the page state (state.js: the run's config in the URL hash),
// the training socket (socket.js, views "metrics" and "manifold"), the recorder (recorder.js)
// and the views: the large space plot, the small multiples, the separability bars.
//
// Frames are drawn at most once per animation frame (the newest wins). The stage slider and
// the replay scrubber redraw from frames already here: no round trip per move.

import { PageState } from "../../state.js";
import { TrainSocket } from "../../socket.js";
import { Recorder } from "../../recorder.js";
import { Controls, axesPicker } from "./controls.js";
import { decodeManifold, stageAt } from "./decode.js";
import { SpacePlot } from "./space-plot.js";
import { Thumbs, shortName } from "./thumbs.js";
import { ProbeChart } from "./probe-chart.js";
import { bindTransportKeys } from "../../keys.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["metrics", "manifold"];
const LAB_KEYS = ["preset", "space", "mesh", "stage", "speed"];
const randomSeed = () => Math.floor(Math.random() * 2 ** 31);
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const pct = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);

/** Per axis, the range covering both. */
const union = (a, b) => a.map(([lo, hi], i) => [Math.min(lo, b[i][0]), Math.max(hi, b[i][1])]);

class ManifoldLab {
  async init() {
    const [catalog, lab] = await Promise.all([getJson("/api/catalog"), getJson("/api/manifold/lab")]);
    this.catalog = catalog;
    this.lab = lab;
    this.state = new PageState(catalog);
    this.runState = "paused";
    this.space = 1; // the space shown large
    this.stage = 3; // the stage slider: 3 = the layer's output
    this.mesh = lab.mesh.default;
    this.speed = lab.default_speed; // epochs per second, 0 = as fast as possible
    this.dims = {}; // {space: choice}, the view option
    this.stageLayer = null; // the block whose stages frames carry (only while the slider is used)
    this.live = true;
    this.latest = null;
    this.current = null; // the decoded frame on screen
    this.probeAt = 0;
    this.readHash(location.hash);

    this.plot = new SpacePlot($("space-plot"));
    this.thumbs = new Thumbs($("thumbs"), (i) => this.pickSpace(i));
    this.probe = new ProbeChart($("probe-chart"));
    this.recorder = new Recorder(500);
    this.controls = new Controls($("controls"), $("mesh-control"), this.state, lab, {
      preset: (name) => this.applyPreset(name),
      dataset: (name) => this.change(() => this.state.selectDataset(name), "dataset", "output"),
      hidden: (widths) => this.change(() => this.setHidden(widths), "hidden", "activation"),
      activation: (name) => this.change(() => this.state.selectComponent("activation", name), "activation"),
      param: (key, value) => this.change(() => this.state.set(key, value), this.state.table.get(key).field),
      mesh: (n) => this.setMesh(n),
      speed: (v) => this.setSpeed(v),
    });
    this.controls.sync(this.preset, this.mesh, this.speed);
    this.renderPresetText();
    this.bindPage();

    this.socket = new TrainSocket({
      open: () => this.onOpen(),
      close: (e) => this.onClose(e),
      status: (m) => this.onStatus(m),
      network: (m) => this.onNetwork(m),
      frame: (m) => this.onFrame(m),
      error: (m) => this.onError(m),
    });
    this.writeHash();
    document.body.classList.remove("loading");
    window.nnManifold = this; // for the browser tests and the curious
  }

  // ---- state and the URL hash ---------------------------------------------------------------

  readHash(hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ""));
    const own = Object.fromEntries(LAB_KEYS.filter((k) => params.has(k)).map((k) => [k, params.get(k)]));
    for (const k of LAB_KEYS) params.delete(k);
    const rest = [...params.keys()].length ? `#${[...params].map(([k, v]) => `${k}=${v}`).join("&")}` : "";
    const found = this.lab.presets.find((p) => p.name === own.preset);
    if (!rest) {
      // No run settings: a preset (the one named, else the lab's default).
      const preset = found ?? this.lab.presets.find((p) => p.name === this.lab.default_preset);
      this.state.setConfig(this.catalog.defaults);
      this.state.setConfig(preset.config);
      this.preset = preset.name;
      this.space = preset.space;
    } else {
      this.state.readHash(rest);
      this.preset = found ? found.name : "custom";
    }
    const int = (v) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
    const mesh = int(own.mesh);
    if (mesh !== null && mesh >= this.lab.mesh.low && mesh <= this.lab.mesh.high) this.mesh = mesh;
    if (int(own.space) !== null) this.space = int(own.space);
    const speed = int(own.speed);
    if (speed !== null && (speed === 0 || this.lab.speeds.includes(speed))) this.speed = speed;
    const stage = Number(own.stage);
    if (own.stage !== undefined && stage >= 0 && stage <= 3) this.stage = stage;
  }

  writeHash() {
    const own = `&preset=${this.preset}&space=${this.space}&mesh=${this.mesh}&speed=${this.speed}` +
      (this.stage < 3 ? `&stage=${this.stage}` : "");
    history.replaceState(null, "", this.state.toHash() + own);
  }

  options() {
    return { mesh: this.mesh, dims: this.dims, stage_layer: this.stageLayer };
  }

  /** Apply a state change and send the config fields it touched (a hand-made setup). */
  change(apply, ...fields) {
    apply();
    this.preset = "custom";
    this.controls.sync("custom");
    this.renderPresetText();
    const config = this.state.config();
    const changes = Object.fromEntries(fields.filter(Boolean).map((f) => [f, config[f]]));
    this.socket.send("configure", { changes });
    this.writeHash();
  }

  setHidden(widths) {
    const acts = this.state.layerActivations();
    this.state.set("hidden", widths);
    this.state.set("activation", [acts[0] ?? this.state.get("activation")[0]]);
  }

  applyPreset(name) {
    const preset = this.lab.presets.find((p) => p.name === name);
    if (!preset) return;
    this.state.setConfig(this.catalog.defaults);
    this.state.setConfig(preset.config);
    this.preset = name;
    this.space = preset.space;
    this.dims = {};
    this.setStage(3, false);
    this.controls.sync(name);
    this.renderPresetText();
    this.start();
    this.writeHash();
  }

  renderPresetText() {
    const preset = this.lab.presets.find((p) => p.name === this.preset);
    $("preset-explain").textContent = preset
      ? `${preset.title}. ${preset.explain}`
      : "Your own setup. Try a preset to see the classic cases: a 2-unit bottleneck that cannot untangle the disk from the ring, a third unit that lifts it out, and the spirals unwound by smooth tanh bends or by relu folds.";
  }

  setMesh(n) {
    this.mesh = n;
    this.sendOptions();
    this.writeHash();
  }

  setSpeed(v) {
    this.speed = v;
    this.socket.send("speed", { epochs_per_second: v > 0 ? v : null });
    this.writeHash();
  }

  sendOptions() {
    this.socket.send("view_options", { options: this.options() });
  }

  // ---- page controls ------------------------------------------------------------------------

  bindPage() {
    $("play").addEventListener("click", () => this.togglePlay());
    $("step").addEventListener("click", () => this.socket.send("step", { epochs: 1 }));
    $("reset").addEventListener("click", () => {
      this.state.set("init_seed", randomSeed());
      this.writeHash();
      this.socket.send("reset", { init_seed: this.state.get("init_seed") });
    });
    $("banner-close").addEventListener("click", () => ($("banner").hidden = true));
    const stage = $("stage");
    stage.value = String(this.stage);
    // Grabbing the slider asks for the stages at once, before the first move arrives.
    for (const type of ["pointerdown", "focus"]) stage.addEventListener(type, () => this.wantStages());
    stage.addEventListener("input", () => this.setStage(Number(stage.value)));
    stage.addEventListener("change", () => this.writeHash());
    $("scrubber").addEventListener("input", (e) => this.scrub(Number(e.target.value)));
    $("live").addEventListener("click", () => this.goLive());
    bindTransportKeys({ togglePlay: () => this.togglePlay(), step: () => this.socket.send("step", { epochs: 1 }) });
    window.addEventListener("hashchange", () => {
      if (location.hash === this.state.toHash()) return;
      this.readHash(location.hash);
      this.controls.sync(this.preset, this.mesh, this.speed);
      this.renderPresetText();
      this.start();
      this.socket.send("speed", { epochs_per_second: this.speed > 0 ? this.speed : null });
    });
  }

  togglePlay() {
    this.socket.send(this.runState === "running" ? "pause" : "play");
  }

  pickSpace(i) {
    this.space = i;
    this.thumbs.select(i);
    this.askStages(this.stage < 3 ? this.blockOf(i) : null);
    this.redraw();
    this.writeHash();
  }

  /** The Dense block whose output is space i (null for the input plane). */
  blockOf(i) {
    return i > 0 ? i - 1 : null;
  }

  /** Frames carry one block's stages while the stage slider is in use (they double a frame). */
  askStages(layer) {
    if (layer === this.stageLayer) return;
    this.stageLayer = layer;
    this.sendOptions();
  }

  /** Grabbing the slider asks for the shown space's stages before the first move arrives. */
  wantStages() {
    this.askStages(this.blockOf(this.space));
  }

  setStage(t, draw = true) {
    const t0 = performance.now();
    this.stage = Math.max(0, Math.min(3, t));
    $("stage").value = String(this.stage);
    $("stage-readout").textContent = this.stage.toFixed(2);
    if (this.stage < 3) this.wantStages();
    if (!draw) return;
    this.redraw();
    const ms = performance.now() - t0;
    document.body.dataset.stageMs = ms.toFixed(2);
    this.stageTimes = [...(this.stageTimes ?? []).slice(-59), ms];
  }

  // ---- socket -------------------------------------------------------------------------------

  start() {
    this.stageLayer = this.stage < 3 ? this.blockOf(this.space) : null;
    this.socket?.send("start", { config: this.state.config(), play: false, views: VIEWS, options: this.options() });
  }

  onOpen() {
    this.setConnection("connected", "ok");
    this.socket.applied = 0;
    this.start();
    this.socket.send("speed", { epochs_per_second: this.speed > 0 ? this.speed : null });
  }

  onClose(e) {
    this.setConnection(e.code === 1013 ? `server busy: ${e.reason || "try again later"}` : "disconnected, reconnecting…", "bad");
    this.setRunState("paused");
  }

  setConnection(text, kind) {
    $("conn").textContent = text;
    $("conn").dataset.kind = kind;
  }

  onStatus(m) {
    this.setRunState(m.state);
    this.setEpoch(m.epoch);
    if (m.state === "diverged") this.banner("Training diverged.", m.message);
  }

  setRunState(state) {
    this.runState = state;
    document.body.dataset.state = state;
    const play = $("play");
    const running = state === "running";
    play.setAttribute("aria-label", running ? "Pause" : "Play");
    play.title = running ? "Pause training (Space)" : "Play: train continuously (Space)";
    play.classList.toggle("running", running);
  }

  setEpoch(epoch) {
    if (!Number.isFinite(epoch)) return;
    const el = $("epoch");
    el.dataset.epoch = String(epoch);
    el.textContent = String(epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  onNetwork(m) {
    this.network = m;
    this.recorder.reset();
    this.goLive(false);
    const spaces = m.sizes.length; // features, hidden..., outputs: as many spaces
    if (this.space >= spaces) this.space = spaces - 1;
    for (const k of Object.keys(this.dims)) if (Number(k) >= spaces) delete this.dims[k];
  }

  onFrame(f) {
    if (!f.manifold) return;
    this.recorder.push(f);
    this.setEpoch(f.epoch);
    if (f.state && f.state !== this.runState && f.state !== "diverged") this.setRunState(f.state);
    this.updateNumbers(f.metrics);
    this.updateScrubber();
    if (this.live) {
      this.latest = f;
      this.pump();
    }
  }

  onError(m) {
    this.banner(`${m.request ? `${m.request}: ` : ""}${m.field ? `${m.field}` : ""}`, m.message);
  }

  banner(title, body) {
    $("banner-title").textContent = title;
    $("banner-body").textContent = body ? ` ${body}` : "";
    $("banner").hidden = false;
  }

  updateNumbers(m) {
    if (!m) return;
    const show = (id, v, text) => {
      $(id).dataset.value = v === null || v === undefined ? "" : String(v);
      $(id).textContent = text;
    };
    show("train-loss", m.train_loss, m.train_loss === null || m.train_loss === undefined ? "–" : Number(m.train_loss).toFixed(3));
    show("test-accuracy", m.test_accuracy, pct(m.test_accuracy));
  }

  // ---- drawing ------------------------------------------------------------------------------

  /** Draw the newest frame, once per animation frame, until none is waiting. The time one
   *  frame's decoding and drawing takes is in document.body.dataset.drawMs. */
  async pump() {
    if (this.drawing) return;
    this.drawing = true;
    try {
      while (this.latest) {
        const f = this.latest;
        this.latest = null;
        const t0 = performance.now();
        this.draw(f);
        const ms = performance.now() - t0;
        document.body.dataset.drawMs = ms.toFixed(2);
        this.drawTimes = [...(this.drawTimes ?? []).slice(-119), ms];
        await nextFrame();
      }
    } finally {
      this.drawing = false;
    }
  }

  draw(f) {
    const d = decodeManifold(f.manifold);
    d.epoch = f.epoch;
    this.current = d;
    if (this.space >= d.length) this.space = d.length - 1;
    const t0 = performance.now();
    // The small multiples redraw at most 10 times a second while training runs live.
    if (this.runState !== "running" || !this.live || t0 - (this.thumbsAt ?? 0) > 100) {
      this.thumbsAt = t0;
      this.thumbs.draw(d);
    }
    this.thumbs.select(this.space);
    const t1 = performance.now();
    this.drawLarge();
    const t2 = performance.now();
    document.body.dataset.thumbMs = (t1 - t0).toFixed(2);
    document.body.dataset.plotMs = (t2 - t1).toFixed(2);
    // The bars change slowly: at most 6 redraws a second while training.
    const now = performance.now();
    if (this.runState !== "running" || !this.live || now - this.probeAt > 160) {
      this.probeAt = now;
      this.drawProbe(d);
    }
    document.body.dataset.epochShown = String(f.epoch);
  }

  redraw() {
    if (this.current) this.drawLarge();
    if (this.current) this.drawProbe(this.current);
  }

  drawProbe(d) {
    const names = d.info.map((s, i) => (i === 0 ? "input" : i === d.length - 1 ? "output" : `layer ${i}`));
    this.probe.update(names, d.probes, d.separableAt, d.separable, this.space);
    const chip = $("separable-chip");
    if (d.probes.every((p) => p === null)) chip.textContent = "regression: no classes";
    else if (d.separableAt === null) chip.textContent = `not yet separable (best ${pct(Math.max(...d.probes.filter((p) => p !== null)))})`;
    else chip.textContent = `separable from ${shortName(d.info[d.separableAt].caption, d.separableAt, d.length)}`;
    chip.dataset.separableAt = d.separableAt === null ? "" : String(d.separableAt);
  }

  /** The large view: the shown space at the slider's stage. */
  drawLarge() {
    const d = this.current;
    const i = Math.min(this.space, d.length - 1);
    const space = d.space(i);
    const staged = i > 0 && d.stageInfo?.space === i ? d.stages() : null;
    let mesh = space.mesh;
    let points = space.points;
    let range = space.range;
    let shownStage = 3;
    if (staged) {
      range = union(staged.range, space.range);
      if (this.stage < 3) {
        ({ mesh, points } = stageAt(staged, space, this.stage));
        shownStage = this.stage;
      }
    }
    this.shown = { space: i, stage: shownStage, epoch: d.epoch };
    document.body.dataset.shownStage = String(shownStage);
    document.body.dataset.shownSpace = String(i);
    this.plot.update({
      mesh, points, half: d.half, samples: d.samples, labels: d.labels, labelKind: d.labelKind,
      nClasses: d.nClasses, axes: space.axes, range, key: `space-${i}-${JSON.stringify(space.shown)}`,
    });
    this.renderHead(d, i, space, staged);
  }

  renderHead(d, i, space, staged) {
    $("h-space").textContent = space.caption;
    $("shown-label").textContent = space.label;
    $("shown-label").title = `The axes: ${space.label}`;
    const key = `${i}|${space.width}|${JSON.stringify(this.dims[i] ?? "auto")}`;
    if (key !== this.axesKey) {
      this.axesKey = key;
      axesPicker($("axes-control"), space.width, this.dims[i] ?? "auto", (choice) => {
        this.dims = { ...this.dims, [i]: choice };
        this.axesKey = null;
        this.sendOptions();
      });
    }
    const row = $("stage-row");
    row.classList.toggle("disabled", i === 0);
    $("stage").disabled = i === 0;
    const names = staged?.names ?? d.stageInfo?.names ?? ["input", "x W", "x W + b", "activation"];
    const ticks = i === 0 ? ["the input plane has no stages"] : names;
    const tickKey = ticks.join("|");
    if (tickKey !== this.tickKey) {
      this.tickKey = tickKey;
      $("stage-ticks").replaceChildren(...ticks.map((t) => Object.assign(document.createElement("span"), { textContent: t })));
    }
    const waiting = i > 0 && this.stage < 3 && !staged;
    row.classList.toggle("waiting", waiting);
  }

  // ---- timeline -----------------------------------------------------------------------------

  updateScrubber() {
    const n = this.recorder.length;
    const s = $("scrubber");
    s.max = String(Math.max(0, n - 1));
    if (this.live) {
      s.value = s.max;
      $("scrub-info").textContent = "live";
    }
  }

  scrub(i) {
    const n = this.recorder.length;
    if (!n) return;
    if (i >= n - 1 && this.runState !== "running") return this.goLive();
    this.live = false;
    document.body.classList.add("scrubbing");
    $("live").disabled = false;
    const f = this.recorder.at(i);
    $("scrub-info").textContent = `epoch ${f.epoch} (frame ${i + 1} of ${n})`;
    this.draw(f);
  }

  goLive(draw = true) {
    this.live = true;
    document.body.classList.remove("scrubbing");
    $("live").disabled = true;
    this.updateScrubber();
    const last = this.recorder.at(this.recorder.length - 1);
    if (draw && last) {
      this.latest = last;
      this.pump();
    }
  }
}

async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.json();
}

new ManifoldLab().init().catch((err) => {
  console.error(err);
  document.body.classList.remove("loading");
});
