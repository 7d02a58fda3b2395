// A tiny LaTeX-to-HTML renderer for the formulas in the engine's catalog (no MathJax, no CDN):
// fractions, powers and indices, square roots, cases, \left/\right, Greek letters, named
// operators and spacing. Unknown commands are shown by name, so nothing is ever dropped.

const SYMBOLS = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", zeta: "ζ", eta: "η", theta: "θ",
  lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", varphi: "φ", phi: "ϕ", psi: "ψ",
  omega: "ω", Phi: "Φ", Sigma: "Σ", Delta: "Δ", Omega: "Ω",
  le: "≤", leq: "≤", ge: "≥", geq: "≥", approx: "≈", cdot: "·", times: "×", sim: "∼", top: "⊤",
  infty: "∞", to: "→", pm: "±", neq: "≠", in: "∈",
  ",": "\u2009", ";": "\u2005", " ": "\u00a0", quad: "\u2003", qquad: "\u2003\u2003", "!": "",
  "{": "{", "}": "}", "\\": "\n",
};
const OPERATORS = new Set(["tanh", "max", "min", "log", "ln", "exp", "sin", "cos", "erf", "arg"]);
const SPACED = new Set(["=", "+", "≈", "≤", "≥", "∼", "×"]);

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

class Parser {
  constructor(src) {
    this.s = src;
    this.i = 0;
  }

  /** HTML for everything up to `stop` (a closing brace, \end, \right...) or the end. */
  sequence(stop = () => false) {
    let out = "";
    while (this.i < this.s.length && !stop()) out += this.atom();
    return out;
  }

  group() {
    while (this.s[this.i] === " ") this.i++;
    if (this.s[this.i] === "{") {
      this.i++;
      const inner = this.sequence(() => this.s[this.i] === "}");
      this.i++;
      return inner;
    }
    return this.atom();
  }

  command() {
    const m = /^\\([A-Za-z]+|.)/.exec(this.s.slice(this.i));
    this.i += m[0].length;
    return m[1];
  }

  atom() {
    const c = this.s[this.i];
    if (c === "\\") return this.fromCommand(this.command());
    this.i++;
    if (c === "{") {
      const inner = this.sequence(() => this.s[this.i] === "}");
      this.i++;
      return inner;
    }
    if (c === "^") return `<sup>${this.group()}</sup>`;
    if (c === "_") return `<sub>${this.group()}</sub>`;
    if (c === " ") return "";
    if (c === "&") return "\t"; // a column break (cases)
    if (c === "-") return '<span class="op-sp">−</span>';
    if (SPACED.has(c)) return `<span class="op-sp">${escape(c)}</span>`;
    if (/[A-Za-z]/.test(c)) return `<i>${c}</i>`;
    return escape(c);
  }

  fromCommand(name) {
    if (name === "frac" || name === "tfrac" || name === "dfrac") {
      const num = this.group();
      const den = this.group();
      return `<span class="tex-frac"><span>${num}</span><span>${den}</span></span>`;
    }
    if (name === "sqrt") return `√<span class="tex-sqrt">${this.group()}</span>`;
    if (name === "operatorname" || name === "mathrm" || name === "text") return `<span class="tex-op">${escape(this.raw())}</span>`;
    if (name === "mathcal") return `<span class="tex-cal">${escape(this.raw())}</span>`;
    if (name === "left" || name === "right") {
      const d = this.s[this.i] === "\\" ? this.command() : this.s[this.i++];
      return d === "." ? "" : escape(d);
    }
    if (name === "begin") {
      const env = this.raw();
      const body = this.sequence(() => this.s.startsWith("\\end", this.i));
      this.command();
      this.raw();
      return env === "cases" ? this.cases(body) : body;
    }
    if (OPERATORS.has(name)) return `<span class="tex-op">${name}</span>`;
    if (name in SYMBOLS) {
      const sym = SYMBOLS[name];
      return SPACED.has(sym) ? `<span class="op-sp">${sym}</span>` : sym;
    }
    return `<span class="tex-op">${escape(name)}</span>`;
  }

  /** The text of a {group}, unparsed (operator names, \text). */
  raw() {
    if (this.s[this.i] !== "{") return "";
    const end = this.s.indexOf("}", this.i);
    const text = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return text;
  }

  cases(body) {
    // Rows were split by \\ (rendered "\n"); columns by &.
    const rows = body.split("\n").map((row) => row.split("\t").map((cell) => `<span>${cell}</span>`).join(""));
    return `<span class="tex-cases"><span class="tex-brace">{</span><span class="tex-rows">${rows
      .map((r) => `<span class="tex-row">${r}</span>`)
      .join("")}</span></span>`;
  }
}

/** LaTeX source -> HTML (a string of inline elements). */
export function texToHtml(src) {
  try {
    return new Parser(String(src)).sequence();
  } catch {
    return `<code>${escape(String(src))}</code>`;
  }
}
