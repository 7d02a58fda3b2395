// The transport keys every training page shares: Space plays or pauses, the right arrow steps.
// They act only when no control has the focus, so a slider or a select keeps its own keys.

/** Bind Space to `togglePlay()` and → to `step()` for the whole document. */
export function bindTransportKeys({ togglePlay, step }) {
  document.addEventListener("keydown", (e) => {
    const target = e.target;
    if (target !== document.body && target !== document.documentElement) return;
    if (e.key === " ") {
      e.preventDefault();
      togglePlay();
    } else if (e.key === "ArrowRight") {
      e.preventDefault();
      step();
    }
  });
}
