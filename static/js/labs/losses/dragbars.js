// Bars you can drag: a Plotly bar chart whose bar i follows the pointer's height, or the arrow
// keys (Left/Right pick a bar, Up/Down change it by 0.05). Calls onDrag(i, value in [0, 1]).

export function draggableBars(el, onDrag) {
  let dragging = false;
  let selected = 0;
  const at = (event) => {
    const layout = el._fullLayout;
    if (!layout) return null;
    const area = el.querySelector(".nsewdrag")?.getBoundingClientRect();
    if (!area) return null;
    const n = el.data?.[0]?.y?.length ?? 0;
    const i = Math.round(layout.xaxis.p2l(event.clientX - area.left));
    const value = layout.yaxis.p2l(event.clientY - area.top);
    if (!(i >= 0 && i < n)) return null;
    return { i, value: Math.min(1, Math.max(0, value)) };
  };
  el.addEventListener("pointerdown", (event) => {
    const hit = at(event);
    if (!hit) return;
    dragging = true;
    selected = hit.i;
    el.setPointerCapture?.(event.pointerId);
    onDrag(hit.i, hit.value);
  });
  el.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const hit = at(event);
    if (hit) onDrag(selected, hit.value);
  });
  const stop = () => (dragging = false);
  el.addEventListener("pointerup", stop);
  el.addEventListener("pointercancel", stop);
  el.addEventListener("keydown", (event) => {
    const y = el.data?.[0]?.y ?? [];
    if (event.key === "ArrowLeft") selected = Math.max(0, selected - 1);
    else if (event.key === "ArrowRight") selected = Math.min(y.length - 1, selected + 1);
    else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      const step = event.key === "ArrowUp" ? 0.05 : -0.05;
      onDrag(selected, Math.min(1, Math.max(0, (y[selected] ?? 0) + step)));
    } else return;
    event.preventDefault();
    el.setAttribute("aria-valuetext", `bar ${selected + 1}: ${(y[selected] ?? 0).toFixed(2)}`);
  });
}

/** New weights after bar i of the distribution w is dragged to v: the others keep their
 *  proportions and share 1 - v, so after normalising, bar i sits exactly where it was dropped. */
export function dragTo(w, i, v) {
  const total = w.reduce((a, b) => a + b, 0);
  const rest = total - w[i];
  const out = w.map((x) => (rest > 0 ? (x / rest) * (1 - v) : (1 - v) / (w.length - 1)));
  out[i] = v;
  return out;
}
