// A labelled range slider on a log scale (learning rate, condition number, noise), with an
// optional red zone on its track: the values beyond which plain gradient descent diverges.
//
//   const s = logSlider({id: "lr-0", label: "Learning rate", help, low: 1e-5, high: 10,
//                        value: 0.05, zero: false, onInput(v), onChange(v)});
//   s.setZone(0.2, "diverges above 0.2")   // red from 0.2 to the top; null removes it

import { formatNumber, h } from "../../catalog.js";

const STEPS = 400; // slider positions

/** {el, input, set(v), setZone(from, text), value()} */
export function logSlider(o) {
  const { low, high } = o;
  const zero = !!o.zero; // position 0 is the value 0, the rest log-spaced from `low`
  const first = zero ? 1 : 0;
  const toValue = (i) => {
    if (zero && i === 0) return 0;
    const t = (i - first) / (STEPS - first);
    return +(low * (high / low) ** t).toPrecision(3);
  };
  const toPos = (v) => {
    if (zero && v <= 0) return 0;
    const t = Math.log(Math.max(v, low) / low) / Math.log(high / low);
    return first + Math.round(Math.min(1, t) * (STEPS - first));
  };
  const fraction = (v) => (toPos(v) - 0) / STEPS;
  const inputId = `ctl-${o.id}`;
  const help = o.help ? `${o.label}: ${o.help}` : o.label;
  const readout = h("output", { for: inputId, class: "readout" });
  const input = h("input", {
    type: "range", id: inputId, min: 0, max: STEPS, step: 1, "aria-label": o.label, title: help,
  });
  const zoneNote = h("span", { class: "opt-zone-note" });
  const track = h("div", { class: "opt-slider-track" }, input);
  const el = h(
    "div",
    { class: "control opt-slider", "data-control": o.id, title: help },
    h("div", { class: "control-head" }, h("label", { for: inputId, text: o.label }), readout),
    track,
    zoneNote,
  );
  let value = o.value;
  const show = (v) => {
    readout.textContent = (o.format ?? formatNumber)(v);
    input.setAttribute("aria-valuetext", String(v));
  };
  const set = (v) => {
    value = v;
    input.value = String(toPos(v));
    show(v);
  };
  input.addEventListener("input", () => {
    value = toValue(Number(input.value));
    show(value);
    o.onInput?.(value);
  });
  input.addEventListener("change", () => o.onChange?.(toValue(Number(input.value))));
  const setZone = (from, text = "") => {
    const on = from !== null && from !== undefined && from < high;
    el.classList.toggle("has-zone", on);
    if (on) track.style.setProperty("--zone-f", fraction(from).toFixed(4));
    el.dataset.zone = on ? String(from) : "";
    zoneNote.textContent = on ? text : "";
  };
  set(value);
  return { el, input, set, setZone, value: () => value };
}
