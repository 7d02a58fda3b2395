// The race's settings in the URL hash, so a race is a link:
//   #surface=quadratic&condition=10&angle=0&racers=sgd:lr=0.1;adam:lr=0.1,beta1=0.9
//    &start=-4,3&noise=0&seed=1&tolerance=0.001&speed=60
// Names, parameters and bounds are checked against the catalog; what does not fit is ignored.

const fits = (p, v) => {
  if (p.kind === "bool") return typeof v === "boolean";
  if (typeof v !== "number" || !Number.isFinite(v)) return false;
  if (p.kind === "int" && !Number.isInteger(v)) return false;
  return (p.low === undefined || v >= p.low) && (p.high === undefined || v <= p.high);
};
const parse = (p, text) => (p.kind === "bool" ? text === "1" || text === "true" : Number(text));
const show = (v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v));

/** Read the hash into `race` ({surface, racers, start, noise, seed, tolerance, speed}) in place. */
export function readHash(hash, race, catalog) {
  const pairs = new URLSearchParams(hash.replace(/^#/, ""));
  const surfaces = Object.fromEntries(catalog.surfaces.map((s) => [s.name, s]));
  const optimizers = Object.fromEntries(catalog.optimizers.map((o) => [o.name, o]));
  const name = pairs.get("surface");
  if (name in surfaces) race.surface = { name };
  for (const p of surfaces[race.surface.name].params) {
    const v = pairs.has(p.name) ? parse(p, pairs.get(p.name)) : undefined;
    if (v !== undefined && fits(p, v)) race.surface[p.name] = v;
  }
  const racers = (pairs.get("racers") ?? "").split(";").filter(Boolean).map((part) => {
    const [optName, rest = ""] = part.split(":");
    const opt = optimizers[optName];
    if (!opt) return null;
    const racer = { name: optName };
    for (const kv of rest.split(",").filter(Boolean)) {
      const [k, text] = kv.split("=");
      const p = opt.params.find((q) => q.name === k);
      const v = p ? parse(p, text) : undefined;
      if (p && fits(p, v)) racer[k] = v;
    }
    return racer;
  }).filter(Boolean);
  if (racers.length) race.racers = racers.slice(0, catalog.max_racers);
  const start = (pairs.get("start") ?? "").split(",").map(Number);
  if (start.length === 2 && start.every(Number.isFinite)) race.start = start;
  for (const p of catalog.race) {
    const v = pairs.has(p.name) ? parse(p, pairs.get(p.name)) : undefined;
    if (v !== undefined && fits(p, v)) race[p.name] = v;
  }
  const speed = Number(pairs.get("speed"));
  if (pairs.has("speed") && speed >= 1 && speed <= 1000) race.speed = speed;
}

export function toHash(race) {
  const parts = [["surface", race.surface.name]];
  for (const [k, v] of Object.entries(race.surface)) if (k !== "name") parts.push([k, show(v)]);
  const racers = race.racers.map((r) => {
    const params = Object.entries(r).filter(([k]) => k !== "name" && k !== "id");
    return `${r.name}:${params.map(([k, v]) => `${k}=${show(v)}`).join(",")}`;
  });
  parts.push(["racers", racers.join(";")]);
  if (race.start) parts.push(["start", race.start.join(",")]);
  for (const k of ["noise", "seed", "tolerance", "speed"]) parts.push([k, show(race[k])]);
  return "#" + parts.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ",").replace(/%3A/g, ":").replace(/%3B/g, ";").replace(/%3D/g, "=")}`).join("&");
}
