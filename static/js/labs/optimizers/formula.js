// A catalog formula (LaTeX) as plain text with Unicode maths, for the few constructs the
// surfaces use: \tfrac12, powers, subscripts, \lambda, \pi, \cos, \sum, \text{...}.

const SUP = { 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", n: "ⁿ", k: "ᵏ" };
const SUB = { 0: "₀", 1: "₁", 2: "₂", 3: "₃", i: "ᵢ", k: "ₖ" };
const WORDS = { "\\lambda": "λ", "\\kappa": "κ", "\\pi": "π", "\\cos": " cos ", "\\sin": " sin ", "\\sum": "Σ", "\\quad": "   ", "\\,": " ", "\\ ": " ", "\\left": "", "\\right": "" };

export function formulaText(tex) {
  let s = tex.replace(/\\tfrac12/g, "½").replace(/\\text\{([^}]*)\}/g, "$1");
  s = s.replace(/_\{([^}]*)\}/g, (_, a) => [...a].map((c) => SUB[c] ?? (c === "=" ? "₌" : c)).join(""));
  s = s.replace(/\^\{([^}]*)\}/g, (_, a) => [...a].map((c) => SUP[c] ?? c).join(""));
  s = s.replace(/_([0-9a-z])/g, (_, c) => SUB[c] ?? `_${c}`).replace(/\^([0-9a-z])/g, (_, c) => SUP[c] ?? `^${c}`);
  s = s.replace(/\\[a-z]+|\\[, ]/g, (m) => WORDS[m] ?? m.slice(1));
  return s.replace(/[{}]/g, "").replace(/\s+/g, " ").trim();
}
