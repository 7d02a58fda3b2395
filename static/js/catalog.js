// Controls built from catalog params ({name, kind, default, low, high, choices, log, step,
// help}): the widget, its bounds and its tooltip all come from the server's catalog.
//
//   choice                 -> <select>
//   bool                   -> checkbox
//   float, log             -> <select> of 1-3-10 steps within the bounds (TFP's lr presets)
//   float, 0..high (>= 1)  -> <select> of 0 and 1-3-10 steps (TFP's regularization rates)
//   float / small int      -> range slider with a readout
//   int, wide, low >= 1    -> logarithmic range slider (batch size 1..1000)
//   int, other             -> number field (seeds, point counts)

/** "batch_size" -> "Batch size". */
export function humanize(name) {
  const s = String(name).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A number as a short string: 0.03, 1e-7, 0.00001, 12. */
export function formatNumber(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (v === 0 || Number.isInteger(v)) return String(v);
  const s = String(+v.toPrecision(4));
  return s;
}

/** 1 and 3 times powers of ten within [low, high]. */
export function series13(low, high) {
  const out = [];
  const lo = Math.max(low, 1e-12);
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(high)) + 1; e++) {
    for (const m of [1, 3]) {
      const v = +(m * 10 ** e).toPrecision(1);
      if (v >= lo * (1 - 1e-9) && v <= high * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

function element(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}
export { element as h };

function niceStep(span) {
  const raw = span / 100;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

/** The widget kind for a param (see the table at the top). */
export function widgetKind(param) {
  if (param.kind === "choice") return "select";
  if (param.kind === "bool") return "checkbox";
  const bounded = param.low !== undefined && param.high !== undefined;
  if (param.kind === "float") {
    if (param.log && bounded && param.low > 0) return "log-select";
    if (bounded && param.low === 0 && param.step === undefined && param.high >= 1) return "zero-log-select";
    return bounded ? "range" : "number";
  }
  if (bounded && param.high - param.low <= 200) return "range";
  if (bounded && param.low >= 1 && param.high / param.low > 200 && param.default > 0) return "log-range";
  return "number";
}

/**
 * One labelled control for a catalog param.
 * @param {object} o {id, param, value, onChange(value), label, high (a tighter upper bound,
 *   e.g. a server limit), choiceLabels {value: text}, format(value)}
 * @returns {{el: HTMLElement, input: HTMLElement, set(value): void}}
 */
export function paramControl(o) {
  const p = o.param;
  const high = o.high !== undefined && p.high !== undefined ? Math.min(o.high, p.high) : (o.high ?? p.high);
  const label = o.label ?? humanize(p.name);
  const help = p.help ? `${label}: ${p.help}` : label;
  const inputId = `ctl-${o.id}`;
  const kind = widgetKind({ ...p, high });
  const wrap = element("div", { class: `control control-${kind}`, "data-control": o.id, title: help });
  const lab = element("label", { for: inputId, text: label });
  const fmt = o.format ?? formatNumber;
  let input;
  let readout = null;
  let set;
  const emit = (v) => o.onChange(v);

  if (kind === "select" || kind === "log-select" || kind === "zero-log-select") {
    input = element("select", { id: inputId, "aria-label": label, title: help });
    let values;
    if (kind === "select") values = p.choices;
    else if (kind === "log-select") values = series13(p.low, high);
    else values = [0, ...series13(high * 1e-4, high)];
    const fill = (current) => {
      const list = [...values];
      if (current !== undefined && !list.includes(current)) {
        list.push(current);
        if (kind !== "select") list.sort((a, b) => a - b);
      }
      input.replaceChildren(
        ...list.map((v) => element("option", { value: String(v), text: o.choiceLabels?.[v] ?? fmt(v) })),
      );
    };
    set = (v) => {
      fill(v);
      input.value = String(v);
    };
    input.addEventListener("change", () => {
      const raw = input.value;
      emit(kind === "select" ? p.choices.find((c) => String(c) === raw) : Number(raw));
    });
    wrap.append(lab, input);
  } else if (kind === "checkbox") {
    input = element("input", { type: "checkbox", id: inputId, "aria-label": label, title: help });
    set = (v) => {
      input.checked = !!v;
    };
    input.addEventListener("change", () => emit(input.checked));
    wrap.append(input, lab);
  } else if (kind === "range" || kind === "log-range") {
    readout = element("output", { for: inputId, class: "readout" });
    if (kind === "range") {
      const step = p.step ?? (p.kind === "int" ? 1 : niceStep(high - p.low));
      input = element("input", {
        type: "range", id: inputId, min: p.low, max: high, step, "aria-label": label, title: help,
      });
      set = (v) => {
        input.value = String(v);
        readout.textContent = fmt(v);
      };
      const read = () => (p.kind === "int" ? Math.round(Number(input.value)) : +Number(input.value).toPrecision(6));
      input.addEventListener("input", () => {
        readout.textContent = fmt(read());
      });
      input.addEventListener("change", () => emit(read()));
    } else {
      // Positions 0..steps map to round(low * (high/low)^(i/steps)), without repeats.
      const values = [];
      for (let i = 0; i <= 120; i++) {
        const v = Math.round(p.low * (high / p.low) ** (i / 120));
        if (values[values.length - 1] !== v) values.push(v);
      }
      input = element("input", {
        type: "range", id: inputId, min: 0, max: values.length - 1, step: 1, "aria-label": label, title: help,
      });
      const nearest = (v) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);
      set = (v) => {
        input.value = String(nearest(v));
        readout.textContent = fmt(v);
        input.setAttribute("aria-valuetext", String(v));
      };
      input.addEventListener("input", () => {
        const v = values[Number(input.value)];
        readout.textContent = fmt(v);
        input.setAttribute("aria-valuetext", String(v));
      });
      input.addEventListener("change", () => emit(values[Number(input.value)]));
    }
    wrap.append(element("div", { class: "control-head" }, lab, readout), input);
  } else {
    input = element("input", {
      type: "number", id: inputId, min: p.low, max: high, step: p.kind === "int" ? 1 : "any",
      "aria-label": label, title: help,
    });
    set = (v) => {
      input.value = String(v);
    };
    input.addEventListener("change", () => {
      let v = Number(input.value);
      if (input.value === "" || !Number.isFinite(v)) return set(p.default);
      if (p.kind === "int") v = Math.round(v);
      if (p.low !== undefined) v = Math.max(p.low, v);
      if (high !== undefined) v = Math.min(high, v);
      set(v);
      emit(v);
    });
    wrap.append(lab, input);
  }
  set(o.value ?? p.default);
  return { el: wrap, input, set };
}

/**
 * A select of catalog components ({name, help}), each option titled with its help.
 * @param {object} o {id, label, items: [{name, help}], value, onChange(name), extra: [{value, text, help}]}
 */
export function componentSelect(o) {
  const inputId = `ctl-${o.id}`;
  const wrap = element("div", { class: "control control-select", "data-control": o.id, title: o.help ?? o.label });
  const input = element("select", { id: inputId, "aria-label": o.label, title: o.help ?? o.label });
  const note = o.note ? element("p", { class: "control-note" }) : null;
  const fill = (items) => {
    const options = [...(o.extra ?? []), ...items.map((c) => ({ value: c.name, text: o.text?.(c) ?? c.name, help: c.help }))];
    input.replaceChildren(...options.map((c) => element("option", { value: c.value, text: c.text, title: c.help })));
    o.current = options;
  };
  fill(o.items);
  const set = (v) => {
    input.value = v;
    if (note) note.textContent = o.note(v) ?? "";
    const chosen = o.current.find((c) => c.value === v);
    input.title = chosen?.help ? `${o.label}: ${chosen.help}` : o.label;
  };
  input.addEventListener("change", () => {
    set(input.value);
    o.onChange(input.value);
  });
  wrap.append(element("label", { for: inputId, text: o.label }), input);
  if (note) wrap.append(note);
  set(o.value);
  return { el: wrap, input, set, setItems: (items, v) => (fill(items), set(v)) };
}
