// Page state: one table of settings that round-trips the URL hash and builds the run's config.
//
// Every key is short and names one thing (as in TensorFlow Playground's state table); every key
// is also the id of the control that edits it, so `hide=noise,lr` hides those controls. The
// table is built from the catalog: component names, their parameters and bounds are never
// typed here. A key's `field` is the config field it changes (what `configure` sends).

const UI_KEYS = [
  // key, kind, default, help
  ["discretize", "bool", false, "show the output as two colours (the predicted class)"],
  ["show_test", "bool", false, "draw the test points (black outline) on the output"],
  ["smoothing", "float", 0.6, "loss curve smoothing (debiased exponential moving average)"],
  ["speed", "float", 0, "epochs per second cap; 0 means as fast as possible"],
  ["log_loss", "bool", false, "loss axis on a log scale"],
  ["hide", "list", [], "control ids hidden from the page (classroom mode)"],
  ["embed", "bool", false, "only the essentials: no navigation, header or guide text"],
];

/** The name of a component spec: "tanh" or {"name": "tanh", ...}. */
export function specName(spec) {
  return typeof spec === "string" ? spec : spec && spec.name;
}

/** The hyperparameters of a component spec (without its name). */
export function specParams(spec) {
  if (!spec || typeof spec === "string") return {};
  const { name, ...rest } = spec;
  return rest;
}

function byName(list) {
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

function parseValue(kind, text) {
  switch (kind) {
    case "bool":
      return text === "1" || text === "true";
    case "int": {
      const v = Number(text);
      return Number.isInteger(v) ? v : undefined;
    }
    case "float": {
      const v = Number(text);
      return text !== "" && Number.isFinite(v) ? v : undefined;
    }
    case "list":
      return text === "" ? [] : text.split(",");
    case "intlist": {
      if (text === "") return [];
      const v = text.split(",").map(Number);
      return v.every(Number.isInteger) ? v : undefined;
    }
    default:
      return text;
  }
}

function formatValue(kind, value) {
  if (kind === "bool") return value ? "1" : "0";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Does `value` fit a catalog param (kind, bounds, choices)? */
export function fits(param, value) {
  if (value === undefined || value === null) return false;
  if (param.kind === "choice") return param.choices.includes(value);
  if (param.kind === "bool") return typeof value === "boolean";
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (param.kind === "int" && !Number.isInteger(value)) return false;
  if (param.low !== undefined && value < param.low) return false;
  if (param.high !== undefined && value > param.high) return false;
  return true;
}

function paramKind(param) {
  return param.kind === "choice" ? "str" : param.kind;
}

export class PageState {
  /** @param catalog the `/api/catalog` document */
  constructor(catalog) {
    this.catalog = catalog;
    this.datasets = byName(catalog.datasets);
    this.activations = byName(catalog.activations);
    this.optimizers = byName(catalog.optimizers);
    this.initializers = byName(catalog.initializers);
    this.regularizers = byName(catalog.regularizers);
    this.outputs = byName(catalog.outputs);
    this.features = byName(catalog.features);
    this.trainer = byName(catalog.trainer);
    this.table = this._buildTable();
    this.values = {};
    this.setConfig(catalog.defaults);
    for (const [key, , def] of UI_KEYS) this.values[key] = structuredClone(def);
  }

  // ---- the table ----------------------------------------------------------------------------

  _buildTable() {
    const table = new Map();
    const add = (key, entry) => {
      if (table.has(key)) key = `${entry.prefix}.${key}`;
      table.set(key, { key, ...entry });
      return key;
    };
    add("dataset", { field: "dataset", kind: "str" });
    // One key per distinct dataset parameter (noise, classes, cells...): a dataset reads the ones
    // it has, so switching datasets keeps a shared setting such as the noise.
    this.datasetParamKeys = {};
    for (const ds of this.catalog.datasets) {
      for (const p of ds.params) {
        if (!(p.name in this.datasetParamKeys)) {
          this.datasetParamKeys[p.name] = add(p.name, {
            field: "dataset", kind: paramKind(p), group: "dataset", param: p.name, prefix: "ds",
          });
        }
      }
    }
    for (const p of this.catalog.trainer) {
      add(p.name, { field: p.name, kind: paramKind(p), group: "trainer", param: p.name, prefix: "t" });
    }
    add("features", { field: "features", kind: "list" });
    add("hidden", { field: "hidden", kind: "intlist" });
    add("activation", { field: "activation", kind: "list" });
    add("init", { field: "init", kind: "str" });
    add("output", { field: "output", kind: "str" });
    add("optimizer", { field: "optimizer", kind: "str" });
    add("regularization", { field: "regularization", kind: "str" });
    // Component hyperparameters: optimizer ones under their bare names (lr, momentum, beta1...),
    // the others as kind.param (act.slope, init.gain).
    this.componentKeys = { optimizer: {}, activation: {}, init: {}, regularization: {} };
    const componentParams = [
      ["optimizer", this.catalog.optimizers, ""],
      ["activation", this.catalog.activations, "act."],
      ["init", this.catalog.initializers, "init."],
      ["regularization", this.catalog.regularizers, "reg."],
    ];
    for (const [field, list, prefix] of componentParams) {
      for (const comp of list) {
        for (const p of comp.params) {
          if (p.name in this.componentKeys[field]) continue;
          this.componentKeys[field][p.name] = add(prefix + p.name, {
            field, kind: paramKind(p), group: field, param: p.name, prefix: field,
          });
        }
      }
    }
    for (const [key, kind, def, help] of UI_KEYS) add(key, { field: null, kind, def, help, ui: true });
    return table;
  }

  get(key) {
    return this.values[key];
  }

  /** Set one value; returns the config field it changes (null for page-only settings). */
  set(key, value) {
    this.values[key] = value;
    return this.table.get(key)?.field ?? null;
  }

  // ---- components ---------------------------------------------------------------------------

  dataset() {
    return this.datasets[this.values.dataset];
  }

  /** "binary", "multiclass" or "regression" for the selected dataset and its params. */
  problem() {
    const k = this.nClasses();
    return k === 0 ? "regression" : k > 2 ? "multiclass" : "binary";
  }

  nClasses() {
    const ds = this.dataset();
    if (!ds || ds.problem === "regression") return 0;
    const hasClasses = ds.params.some((p) => p.name === "classes");
    return hasClasses ? this.values[this.datasetParamKeys.classes] : ds.classes || 2;
  }

  /** Output heads that fit the selected dataset's problem. */
  fittingOutputs() {
    const problem = this.problem();
    return this.catalog.outputs.filter((h) => {
      if (problem === "regression") return h.problem === "regression";
      return h.problem === "multiclass" || (h.problem === "binary" && problem === "binary");
    });
  }

  _componentSpec(field, registry, name) {
    const comp = registry[name];
    if (!comp || comp.params.length === 0) return name;
    const spec = { name };
    for (const p of comp.params) spec[p.name] = this.values[this.componentKeys[field][p.name]] ?? p.default;
    return spec;
  }

  /** The layers' activation names, one per hidden layer. */
  layerActivations() {
    const acts = this.values.activation;
    const n = this.values.hidden.length;
    return Array.from({ length: n }, (_, i) => acts[Math.min(i, acts.length - 1)] ?? acts[0]);
  }

  // ---- config <-> state ---------------------------------------------------------------------

  /** The run's config, as `start` and `configure` take it. */
  config() {
    const v = this.values;
    const ds = this.dataset();
    const dataset = { name: v.dataset };
    for (const p of ds ? ds.params : []) dataset[p.name] = v[this.datasetParamKeys[p.name]] ?? p.default;
    const config = { dataset };
    for (const p of this.catalog.trainer) config[p.name] = v[p.name];
    config.features = [...v.features];
    config.hidden = [...v.hidden];
    const acts = v.activation.map((name) => this._componentSpec("activation", this.activations, name));
    config.activation = acts.length === 1 ? acts[0] : acts;
    config.init = this._componentSpec("init", this.initializers, v.init);
    config.output = v.output;
    config.optimizer = this._componentSpec("optimizer", this.optimizers, v.optimizer);
    if (typeof config.optimizer === "string") config.optimizer = { name: config.optimizer };
    config.regularization = this._componentSpec("regularization", this.regularizers, v.regularization);
    return config;
  }

  /** Read a (full or partial) config: the catalog defaults, an import, the server's echo. */
  setConfig(config) {
    const v = this.values;
    if ("dataset" in config) {
      v.dataset = specName(config.dataset);
      const ds = this.datasets[v.dataset];
      const given = specParams(config.dataset);
      for (const p of ds ? ds.params : []) v[this.datasetParamKeys[p.name]] = given[p.name] ?? p.default;
    }
    for (const p of this.catalog.trainer) if (p.name in config) v[p.name] = config[p.name];
    if ("features" in config) v.features = [...config.features];
    if ("hidden" in config) v.hidden = [...config.hidden];
    if ("activation" in config) {
      const specs = Array.isArray(config.activation) ? config.activation : [config.activation];
      v.activation = specs.map(specName);
      for (const spec of specs) this._readParams("activation", this.activations, spec);
    }
    for (const [field, registry] of [
      ["init", this.initializers],
      ["optimizer", this.optimizers],
      ["regularization", this.regularizers],
    ]) {
      if (field in config) {
        v[field] = specName(config[field]);
        this._readParams(field, registry, config[field]);
      }
    }
    if ("output" in config) v.output = config.output;
  }

  _readParams(field, registry, spec) {
    const comp = registry[specName(spec)];
    const given = specParams(spec);
    for (const p of comp ? comp.params : []) {
      this.values[this.componentKeys[field][p.name]] = given[p.name] ?? p.default;
    }
  }

  /** Select another component and reset its hyperparameters to their defaults (keeping a
   *  shared one, such as the learning rate, when it still fits). */
  selectComponent(field, name) {
    const registry = {
      optimizer: this.optimizers, init: this.initializers, regularization: this.regularizers,
      activation: this.activations,
    }[field];
    for (const p of registry[name]?.params ?? []) {
      const key = this.componentKeys[field][p.name];
      if (!fits(p, this.values[key])) this.values[key] = p.default;
    }
    if (field === "activation") this.values.activation = [name];
    else this.values[field] = name;
  }

  selectDataset(name) {
    const ds = this.datasets[name];
    this.values.dataset = name;
    for (const p of ds.params) {
      const key = this.datasetParamKeys[p.name];
      if (!fits(p, this.values[key]) || p.name !== "noise") this.values[key] = p.default;
    }
    const fitting = this.fittingOutputs().map((h) => h.name);
    if (this.values.output !== "auto" && !fitting.includes(this.values.output)) {
      this.values.output = "auto";
    }
  }

  // ---- URL hash -----------------------------------------------------------------------------

  /** The keys that matter now: every setting, the hyperparameters of the selected components
   *  only, and page settings that differ from their defaults. */
  activeKeys() {
    const keys = [];
    const ds = this.dataset();
    const activeParams = {
      dataset: new Set((ds?.params ?? []).map((p) => p.name)),
      optimizer: new Set((this.optimizers[this.values.optimizer]?.params ?? []).map((p) => p.name)),
      init: new Set((this.initializers[this.values.init]?.params ?? []).map((p) => p.name)),
      regularization: new Set(
        (this.regularizers[this.values.regularization]?.params ?? []).map((p) => p.name),
      ),
      activation: new Set(
        this.values.activation.flatMap((n) => (this.activations[n]?.params ?? []).map((p) => p.name)),
      ),
    };
    for (const entry of this.table.values()) {
      if (entry.ui) {
        const v = this.values[entry.key];
        if (JSON.stringify(v) !== JSON.stringify(entry.def)) keys.push(entry.key);
      } else if (entry.param && entry.group !== "trainer") {
        if (activeParams[entry.group].has(entry.param)) keys.push(entry.key);
      } else {
        keys.push(entry.key);
      }
    }
    return keys;
  }

  toHash() {
    const parts = this.activeKeys().map((key) => {
      const entry = this.table.get(key);
      return `${key}=${encodeURIComponent(formatValue(entry.kind, this.values[key]))}`;
    });
    return "#" + parts.join("&").replace(/%2C/g, ",");
  }

  /** Read a hash; returns the keys that were ignored (unknown or out of bounds). */
  readHash(hash) {
    const ignored = [];
    const text = hash.replace(/^#/, "");
    if (!text) return ignored;
    const pairs = text.split("&").map((part) => {
      const i = part.indexOf("=");
      return i < 0 ? [part, ""] : [part.slice(0, i), decodeURIComponent(part.slice(i + 1))];
    });
    // Components first, so that their hyperparameters are read against the right entries.
    const order = (k) => (["dataset", "optimizer", "init", "regularization", "activation"].includes(k) ? 0 : 1);
    pairs.sort((a, b) => order(a[0]) - order(b[0]));
    for (const [key, text] of pairs) {
      const entry = this.table.get(key);
      const value = entry ? parseValue(entry.kind, text) : undefined;
      if (value === undefined || !this._accept(entry, value)) {
        ignored.push(key);
        continue;
      }
      if (key === "dataset") this.selectDataset(value);
      else if (["optimizer", "init", "regularization"].includes(key)) this.selectComponent(key, value);
      else this.values[key] = value;
    }
    return ignored;
  }

  _accept(entry, value) {
    const key = entry.key;
    const limits = this.catalog.limits ?? {};
    const registries = {
      dataset: this.datasets, optimizer: this.optimizers, init: this.initializers,
      regularization: this.regularizers,
    };
    if (key in registries) return value in registries[key];
    if (key === "features") return value.length > 0 && value.every((f) => f in this.features);
    if (key === "activation") return value.length > 0 && value.every((a) => a in this.activations);
    if (key === "hidden") {
      return (
        value.length <= (limits.max_layers ?? Infinity) &&
        value.every((w) => w >= 1 && w <= (limits.max_neurons ?? Infinity))
      );
    }
    if (key === "output") return value === "auto" || value in this.outputs;
    if (entry.ui) return true;
    const param = this.paramOf(entry);
    return param ? fits(param, value) : true;
  }

  /** The catalog param behind a table entry (the first one of that name for shared keys). */
  paramOf(entry) {
    const lists = {
      dataset: this.catalog.datasets, optimizer: this.catalog.optimizers,
      init: this.catalog.initializers, regularization: this.catalog.regularizers,
      activation: this.catalog.activations,
    };
    if (entry.group === "trainer") return this.trainer[entry.param];
    const list = lists[entry.group];
    if (!list) return null;
    const current = {
      dataset: this.values.dataset, optimizer: this.values.optimizer, init: this.values.init,
      regularization: this.values.regularization,
    }[entry.group];
    const own = list.find((c) => c.name === current)?.params.find((p) => p.name === entry.param);
    return own ?? list.flatMap((c) => c.params).find((p) => p.name === entry.param) ?? null;
  }
}
