// One colour per racer slot (Okabe & Ito's colourblind-safe set, then two more): a racer keeps
// its colour while it runs, whatever optimizer it switches to.

export const RACER_COLORS = [
  "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6a3d9a", "#7f7f7f",
];

export const racerColor = (i) => RACER_COLORS[i % RACER_COLORS.length];
