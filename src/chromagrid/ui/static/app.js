// chromagrid ui: the page. Plain JavaScript, no build step; everything it loads comes from this server.
"use strict";

const TOKEN = document.querySelector('meta[name="chromagrid-token"]').content;
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

// ------------------------------------------------------------------ talking to the server
function url(path, params = {}) {
  const q = new URLSearchParams({ ...params, token: TOKEN });
  return `${path}?${q}`;
}

async function api(path, body, params = {}) {
  const init = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Chromagrid-Token": TOKEN },
    body: JSON.stringify(body),
  };
  const response = await fetch(url(path, params), init);
  let data;
  try { data = await response.json(); } catch (e) { data = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) {
    const err = new Error(data.error || response.statusText);
    err.field = data.field || "general";
    throw err;
  }
  return data;
}

function showError(field, message) {
  const el = document.querySelector(`.err[data-field="${field}"]`) || document.querySelector('.err[data-field="general"]');
  el.textContent = message;
}

function clearErrors(...fields) {
  document.querySelectorAll(".err").forEach((el) => {
    if (!fields.length || fields.includes(el.dataset.field)) el.textContent = "";
  });
}

function setStatus(text) { $("status").textContent = text; }

// ------------------------------------------------------------------ state
const S = {
  i: 0, count: 1, W: 0, H: 0,
  base: {},            // the config keys the page does not edit (decode, export, units, ...), kept as given
  box: [0, 0, 0, 0],
  cbar: null,          // colorbar box or null
  orientation: null,
  ticks: [],           // [{position, value}]
  cmap: "viridis",
  gcps: [],            // [col, row, x, y, enabled]
  names: [],
  view: { s: 1, tx: 10, ty: 10 },
  version: 0,
  decoding: false, pending: false, timer: null,
};

const num = (v) => {
  if (v === null || v === undefined) return null;
  const t = String(v).trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
};
const fmt = (v, digits = 6) => (v === null || v === undefined ? "–" : Number(v).toPrecision(digits).replace(/\.?0+(e|$)/, "$1"));
const setVal = (id, v) => { $(id).value = v === null || v === undefined ? "" : String(v); };

// ------------------------------------------------------------------ the config the page shows
function scaleFromPage() {
  const scale = {};
  const norm = $("norm").value;
  if ($("cbar-sample").checked && S.cbar) {
    scale.colorbar_box = S.cbar.slice();
    if (norm !== "discrete") scale.colorbar_range = [num($("vmin").value), num($("vmax").value)];
  } else {
    scale.cmap = S.cmap + ($("reverse").checked ? "_r" : "");
    const n = num($("ncolors").value);
    if (n !== null) scale.ncolors = n;
    if (norm !== "discrete") { scale.vmin = num($("vmin").value); scale.vmax = num($("vmax").value); }
  }
  scale.norm = norm;
  if (norm === "discrete") scale.boundaries = $("boundaries").value.trim().split(/[\s,]+/).filter(Boolean).map(Number);
  return scale;
}

function georefFromPage() {
  const mode = $("geo-mode").value;
  if (mode === "none") return null;
  const g = {};
  if (mode === "extent") g.extent = ["ext-left", "ext-right", "ext-bottom", "ext-top"].map((id) => num($(id).value));
  if (mode === "axes") {
    g.axes = {
      x: [[num($("ax-xa").value), num($("ax-xva").value)], [num($("ax-xb").value), num($("ax-xvb").value)]],
      y: [[num($("ax-ya").value), num($("ax-yva").value)], [num($("ax-yb").value), num($("ax-yvb").value)]],
      x_scale: $("ax-xscale").value, y_scale: $("ax-yscale").value,
    };
  }
  if (mode === "gcps") {
    g.gcps = S.gcps.filter((r) => r[4] && [0, 1, 2, 3].every((k) => Number.isFinite(num(r[k])))).map((r) => r.slice(0, 4).map(Number));
    g.transform = $("transform").value;
  }
  const crs = $("crs").value.trim(), target = $("target-crs").value.trim(), res = num($("resolution").value);
  if (crs) g.crs = crs;
  if (target) g.target_crs = target;
  if (res !== null) g.resolution = res;
  return g;
}

function configFromPage() {
  const c = JSON.parse(JSON.stringify(S.base));
  c.box = S.box.slice();
  c.scale = scaleFromPage();
  const md = num($("max-distance").value);
  if (md !== null) c.decode = { ...(c.decode || {}), max_distance: md };
  else if (c.decode) delete c.decode.max_distance;
  const g = georefFromPage();
  if (g) c.georef = g; else delete c.georef;
  return c;
}

function fillPage(state) {
  const c = state.config || {};
  S.base = {};
  for (const [k, v] of Object.entries(c)) if (!["box", "scale", "georef", "panel"].includes(k)) S.base[k] = v;
  S.box = (c.box || [0, 0, state.width, state.height]).map(Number);
  const scale = c.scale || {};
  const found = state.found || {};
  S.cbar = scale.colorbar_box ? scale.colorbar_box.slice() : (found.colorbar_box ? found.colorbar_box.slice() : null);
  S.orientation = scale.colorbar_orientation || found.orientation || null;
  S.ticks = (found.ticks || []).map((t) => ({ position: t.position, value: t.value }));
  $("cbar-on").checked = !!S.cbar;
  $("cbar-sample").checked = !!scale.colorbar_box;
  let name = scale.cmap || "viridis";
  $("reverse").checked = /_r$/.test(name);
  S.cmap = name.replace(/_r$/, "");
  setVal("ncolors", scale.ncolors);
  $("norm").value = scale.norm || "linear";
  const range = scale.colorbar_range || [scale.vmin, scale.vmax];
  setVal("vmin", range[0]); setVal("vmax", range[1]);
  setVal("boundaries", (scale.boundaries || []).join(" "));
  setVal("max-distance", (c.decode || {}).max_distance);
  const g = c.georef || {};
  let mode = "none";
  if (g.extent) { mode = "extent"; ["ext-left", "ext-right", "ext-bottom", "ext-top"].forEach((id, k) => setVal(id, g.extent[k])); }
  if (g.axes) {
    mode = "axes";
    setVal("ax-xa", g.axes.x[0][0]); setVal("ax-xva", g.axes.x[0][1]); setVal("ax-xb", g.axes.x[1][0]); setVal("ax-xvb", g.axes.x[1][1]);
    setVal("ax-ya", g.axes.y[0][0]); setVal("ax-yva", g.axes.y[0][1]); setVal("ax-yb", g.axes.y[1][0]); setVal("ax-yvb", g.axes.y[1][1]);
    $("ax-xscale").value = g.axes.x_scale || "linear"; $("ax-yscale").value = g.axes.y_scale || "linear";
  }
  S.gcps = [];
  if (g.gcps) { mode = "gcps"; S.gcps = g.gcps.map((r) => [r[0], r[1], r[2], r[3], true]); }
  if (g.transform) $("transform").value = g.transform;
  $("geo-mode").value = mode;
  setVal("crs", g.crs); setVal("target-crs", g.target_crs); setVal("resolution", Array.isArray(g.resolution) ? g.resolution[0] : g.resolution);
  setVal("config-path", state.config_path);
  setVal("outputs", (state.outputs || []).join(" "));
  $("links").innerHTML = "";
  showGeoMode();
  boxToInputs();
  renderTicks();
  renderGcps();
  renderScale();
  const ws = $("warnings"); ws.innerHTML = "";
  for (const w of found.warnings || []) { const li = document.createElement("li"); li.textContent = w; ws.appendChild(li); }
  if (found.error) showError("general", found.error);
}

// ------------------------------------------------------------------ decoding
function scheduleDecode(delay = 120) {
  clearTimeout(S.timer);
  S.timer = setTimeout(() => { S.timer = null; decode(); }, delay);
}

// No decode running, asked for or waiting: what is shown is the result of the page's current values.
const idle = () => !S.decoding && !S.pending && S.timer === null;

async function decode() {
  if (S.decoding) { S.pending = true; return; }
  S.decoding = true; S.pending = false;
  document.body.dataset.busy = "1";
  setStatus("decoding…");
  const t0 = performance.now();
  try {
    const r = await api("api/decode", { i: S.i, config: configFromPage() });
    clearErrors("box", "colorbar", "cmap", "range", "georef", "general");
    S.version = r.version;
    S.result = r;
    showResult(r, performance.now() - t0);
  } catch (e) {
    showError(e.field, e.message);
    setStatus("not decoded: see the message in red");
  } finally {
    S.decoding = false;
    if (S.pending) decode();
    else document.body.dataset.busy = "0";
  }
}

function showResult(r, ms) {
  const [x0, y0, x1, y1] = r.box;
  const layer = $("layer");
  Object.assign(layer.style, { left: `${x0}px`, top: `${y0}px`, width: `${x1 - x0}px`, height: `${y1 - y0}px` });
  updateLayer();
  const d = r.distance || {};
  const georef = r.georef ? `; grid: ${r.georef.grid}` : "";
  $("stats").textContent = `${r.shape[1]} × ${r.shape[0]} cells, ${(100 * r.masked_fraction).toFixed(1)} % no data; ` +
    `ΔE mean ${fmt(d.mean, 3)}, p95 ${fmt(d.p95, 3)}, max ${fmt(d.max, 3)}${georef}`;
  const sc = r.scale;
  $("rb-lo").textContent = fmt(sc.vmin); $("rb-hi").textContent = fmt(sc.vmax);
  const scale = configFromPage().scale;
  if (scale.cmap) $("rb-strip").src = url("api/strip", { name: scale.cmap, n: scale.ncolors || "" });
  const ws = $("warnings"); ws.innerHTML = "";
  for (const w of r.warnings || []) { const li = document.createElement("li"); li.textContent = w; ws.appendChild(li); }
  if (r.georef && r.georef.gcps) showResiduals(r.georef.gcps, true);
  document.body.dataset.version = String(r.version);
  setStatus(`decoded (version ${r.version}) in ${Math.round(ms)} ms`);
}

function updateLayer() {
  const kind = $("layer-kind").value;
  const layer = $("layer");
  if (kind === "none" || !S.version) { layer.hidden = true; return; }
  layer.hidden = false;
  layer.style.opacity = String($("opacity").value / 100);
  layer.src = url("api/layer", { i: S.i, kind, v: S.version });
}

// ------------------------------------------------------------------ the viewer: zoom, pan, boxes, clicks
function applyView() {
  const { s, tx, ty } = S.view;
  $("stage").style.transform = `translate(${tx}px, ${ty}px) scale(${s})`;
  document.querySelectorAll("#overlay circle.handle").forEach((c) => c.setAttribute("r", String(6 / s)));
  document.querySelectorAll("#overlay text").forEach((t) => t.setAttribute("font-size", String(11 / s)));
}

function fitView(oneToOne = false) {
  const vp = $("viewport").getBoundingClientRect();
  const fit = Math.min((vp.width - 20) / S.W, (vp.height - 20) / S.H);
  S.view.s = oneToOne ? 1 : Math.min(1, fit);
  S.view.tx = 10; S.view.ty = 10;
  applyView();
}

function imagePoint(event) {
  const vp = $("viewport").getBoundingClientRect();
  return [(event.clientX - vp.left - S.view.tx) / S.view.s, (event.clientY - vp.top - S.view.ty) / S.view.s];
}

function zoomAt(factor, cx, cy) {
  const v = S.view;
  const s = Math.min(40, Math.max(0.05, v.s * factor));
  v.tx = cx - (cx - v.tx) * (s / v.s);
  v.ty = cy - (cy - v.ty) * (s / v.s);
  v.s = s;
  applyView();
}

function svgEl(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  (parent || $("overlay")).appendChild(el);
  return el;
}

function drawOverlay() {
  const svg = $("overlay");
  svg.innerHTML = "";
  svg.setAttribute("width", S.W); svg.setAttribute("height", S.H);
  svg.setAttribute("viewBox", `0 0 ${S.W} ${S.H}`);
  drawBox("plot", S.box);
  if (S.cbar && $("cbar-on").checked) {
    drawBox("cbar", S.cbar);
    const [x0, y0, x1, y1] = S.cbar;
    const vertical = orientation() === "vertical";
    S.ticks.forEach((t, k) => {
      const p = Number(t.position);
      if (!Number.isFinite(p)) return;
      const g = svgEl("g", { class: "tick-mark", "data-tick": k });
      if (vertical) {
        svgEl("line", { class: "tick", x1: x0 - 4, x2: x1 + 4, y1: p, y2: p }, g);
        svgEl("text", { x: x0 - 5, y: p + 4, "text-anchor": "end" }, g).textContent = fmt(t.value, 4);
      } else {
        svgEl("line", { class: "tick", x1: p, x2: p, y1: y0 - 4, y2: y1 + 4 }, g);
        svgEl("text", { x: p, y: y0 - 6, "text-anchor": "middle" }, g).textContent = fmt(t.value, 4);
      }
    });
  }
  if ($("geo-mode").value === "gcps") {
    S.gcps.forEach((r, k) => {
      const [c, row] = [Number(r[0]), Number(r[1])];
      const g = svgEl("g", { class: "gcp" });
      svgEl("line", { x1: c - 6, x2: c + 6, y1: row, y2: row }, g);
      svgEl("line", { x1: c, x2: c, y1: row - 6, y2: row + 6 }, g);
      svgEl("text", { x: c + 5, y: row - 5 }, g).textContent = String(k);
    });
  }
  if ($("geo-mode").value === "axes") {
    for (const id of ["ax-xa", "ax-xb"]) {
      const c = num($(id).value);
      if (Number.isFinite(c) && c !== null) svgEl("line", { x1: c, x2: c, y1: S.box[3], y2: S.box[3] + 10 }, svgEl("g", { class: "axis-tick" }));
    }
    for (const id of ["ax-ya", "ax-yb"]) {
      const r = num($(id).value);
      if (Number.isFinite(r) && r !== null) svgEl("line", { x1: S.box[0] - 10, x2: S.box[0], y1: r, y2: r }, svgEl("g", { class: "axis-tick" }));
    }
  }
  applyView();
}

function drawBox(kind, b) {
  const [x0, y0, x1, y1] = b;
  svgEl("rect", { id: `${kind}-box`, class: `box ${kind}`, x: x0, y: y0, width: x1 - x0, height: y1 - y0, "data-box": kind });
  const corners = [["tl", x0, y0], ["tr", x1, y0], ["br", x1, y1], ["bl", x0, y1]];
  for (const [name, cx, cy] of corners) {
    svgEl("circle", { id: `${kind}-${name}`, class: `handle ${name}`, cx, cy, r: 6, "data-box": kind, "data-corner": name });
  }
}

function orientation() {
  if (S.orientation) return S.orientation;
  if (!S.cbar) return "vertical";
  const [x0, y0, x1, y1] = S.cbar;
  return y1 - y0 >= x1 - x0 ? "vertical" : "horizontal";
}

let drag = null;

function onPointerDown(event) {
  if (event.button !== 0) return;
  const target = event.target;
  const [px, py] = imagePoint(event);
  const kind = target.dataset ? target.dataset.box : undefined;
  const picking = $("click-action").value !== "none";
  if (kind && (target.dataset.corner || !picking)) {  // while clicks add points, a box moves by its corners only
    const b = kind === "plot" ? S.box : S.cbar;
    drag = { mode: target.dataset.corner ? "corner" : "move", kind, corner: target.dataset.corner, start: [px, py], orig: b.slice() };
  } else {
    drag = { mode: "pan", start: [event.clientX, event.clientY], orig: [S.view.tx, S.view.ty], moved: false, point: [px, py] };
  }
  event.preventDefault();
}

function clampBox(b) {
  let [x0, y0, x1, y1] = b.map(Math.round);
  x0 = Math.max(0, Math.min(x0, S.W)); x1 = Math.max(0, Math.min(x1, S.W));
  y0 = Math.max(0, Math.min(y0, S.H)); y1 = Math.max(0, Math.min(y1, S.H));
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

function onPointerMove(event) {
  const [px, py] = imagePoint(event);
  if (!drag) { probe(px, py); return; }
  if (drag.mode === "pan") {
    const dx = event.clientX - drag.start[0], dy = event.clientY - drag.start[1];
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if ($("click-action").value === "none" || drag.moved) {
      S.view.tx = drag.orig[0] + dx; S.view.ty = drag.orig[1] + dy; applyView();
    }
    return;
  }
  const b = drag.orig.slice();
  if (drag.mode === "move") {
    const dx = Math.round(px - drag.start[0]), dy = Math.round(py - drag.start[1]);
    const w = b[2] - b[0], h = b[3] - b[1];
    const nx = Math.max(0, Math.min(S.W - w, b[0] + dx)), ny = Math.max(0, Math.min(S.H - h, b[1] + dy));
    setBox(drag.kind, [nx, ny, nx + w, ny + h]);
  } else {
    const c = drag.corner;
    if (c.includes("l")) b[0] = px; else b[2] = px;
    if (c.includes("t")) b[1] = py; else b[3] = py;
    setBox(drag.kind, clampBox(b));
  }
}

function onPointerUp(event) {
  if (!drag) return;
  const d = drag;
  drag = null;
  if (d.mode === "pan") {
    if (!d.moved && $("click-action").value !== "none") addClick(d.point);
    return;
  }
  if (d.kind === "cbar") rank();
  scheduleDecode(0);
}

function setBox(kind, b) {
  if (kind === "plot") S.box = b; else S.cbar = b;
  boxToInputs();
  drawOverlay();
}

function boxToInputs() {
  ["x0", "y0", "x1", "y1"].forEach((k, j) => setVal(`box-${k}`, S.box[j]));
  ["x0", "y0", "x1", "y1"].forEach((k, j) => setVal(`cbar-${k}`, S.cbar ? S.cbar[j] : ""));
}

function boxFromInputs(kind) {
  const b = ["x0", "y0", "x1", "y1"].map((k) => num($(`${kind === "plot" ? "box" : "cbar"}-${k}`).value));
  if (b.some((v) => v === null || !Number.isFinite(v))) { showError(kind === "plot" ? "box" : "colorbar", "give four whole numbers x0 y0 x1 y1"); return; }
  if (kind === "plot") S.box = b; else S.cbar = b;
  drawOverlay();
  if (kind === "cbar") rank();
  scheduleDecode();
}

function addClick([px, py]) {
  const action = $("click-action").value;
  const c = Math.round(px * 100) / 100, r = Math.round(py * 100) / 100;
  if (action === "gcp") {
    $("geo-mode").value = "gcps"; showGeoMode();
    S.gcps.push([c, r, "", "", true]);
    renderGcps();
    const inputs = document.querySelectorAll("#gcp-table tbody tr:last-child input.gx");
    if (inputs.length) inputs[0].focus();
  } else if (action === "xtick" || action === "ytick") {
    $("geo-mode").value = "axes"; showGeoMode();
    const [a, b] = action === "xtick" ? ["ax-xa", "ax-xb"] : ["ax-ya", "ax-yb"];
    const slot = $(a).value.trim() === "" ? a : (b && $(b).value.trim() === "" ? b : a);
    setVal(slot, action === "xtick" ? c : r);
    $(slot.replace(/(x|y)(a|b)$/, "$1v$2")).focus();
  }
  drawOverlay();
}

// ------------------------------------------------------------------ the hover read-out
let probing = false, nextProbe = null;
async function probe(px, py) {
  if (!S.version) return;
  const x = Math.floor(px), y = Math.floor(py);
  if (x < 0 || y < 0 || x >= S.W || y >= S.H) return;
  if (probing) { nextProbe = [px, py]; return; }
  probing = true;
  try {
    const r = await api("api/probe", undefined, { i: S.i, x, y });
    $("ro-pixel").textContent = `${r.col}, ${r.row}`;
    if (!r.inside) {
      $("ro-value").textContent = "outside the box"; $("ro-distance").textContent = "–"; $("ro-world").textContent = "–";
    } else {
      $("ro-value").textContent = r.value === null ? "no data" : fmt(r.value);
      $("ro-distance").textContent = r.distance === null || r.distance === undefined ? "–" : Number(r.distance).toFixed(2);
      $("ro-world").textContent = r.world ? `${fmt(r.world[0], 8)}, ${fmt(r.world[1], 8)}${r.crs ? " " + r.crs : ""}` : "–";
    }
    document.body.dataset.probe = `${r.col},${r.row},${r.version}`;
  } catch (e) {
    // a probe before the first decode, or of a figure being changed: the next move asks again
  } finally {
    probing = false;
    if (nextProbe) { const p = nextProbe; nextProbe = null; probe(p[0], p[1]); }
  }
}

// ------------------------------------------------------------------ the colour scale
function renderScale() {
  const full = S.cmap + ($("reverse").checked ? "_r" : "");
  $("cmap-name").textContent = full;
  const n = num($("ncolors").value);
  $("cmap-strip").src = url("api/strip", { name: full, n: n || "" });
  $("boundaries-row").style.display = $("norm").value === "discrete" ? "" : "none";
  document.querySelectorAll("#cmap-list li, #matches li").forEach((li) => li.classList.toggle("selected", li.dataset.name === S.cmap || li.dataset.name === full));
}

function pickColormap(name, ncolors) {
  $("reverse").checked = /_r$/.test(name);
  S.cmap = name.replace(/_r$/, "");
  if (ncolors !== undefined) setVal("ncolors", ncolors);
  $("cbar-sample").checked = false;
  clearErrors("cmap");
  renderScale();
  scheduleDecode(0);
}

function stripItem(name, label) {
  const li = document.createElement("li");
  li.dataset.name = name;
  const img = document.createElement("img");
  img.className = "strip"; img.loading = "lazy"; img.alt = ""; img.src = url("api/strip", { name });
  const span = document.createElement("span");
  span.textContent = label || name;
  li.append(img, span);
  return li;
}

function renderList() {
  const q = $("cmap-search").value.trim().toLowerCase();
  const hits = q ? S.names.filter((n) => n.toLowerCase().includes(q)) : S.names;
  const shown = hits.slice(0, 150);
  const ul = $("cmap-list");
  ul.innerHTML = "";
  for (const name of shown) {
    const li = stripItem(name);
    li.addEventListener("click", () => pickColormap(name));
    ul.appendChild(li);
  }
  $("cmap-count").textContent = `${hits.length} of ${S.names.length} colormaps${hits.length > shown.length ? `, first ${shown.length} shown` : ""}`;
  renderScale();
}

async function rank() {
  const box = S.cbar && $("cbar-on").checked ? S.cbar : null;
  try {
    const r = await api("api/rank", { i: S.i, box: S.box, colorbar_box: box });
    const ol = $("matches");
    ol.innerHTML = "";
    for (const m of r.matches) {
      const label = `${m.name}${m.ncolors ? ` N=${m.ncolors}` : ""} · ΔE ${m.delta_e.toFixed(2)}${m.exact ? " exact" : ""}`;
      const li = stripItem(m.name, label);
      li.addEventListener("click", () => pickColormap(m.name, m.ncolors));
      ol.appendChild(li);
    }
    clearErrors("colorbar");
    renderScale();
  } catch (e) {
    showError(e.field === "box" ? "box" : "colorbar", e.message);
  }
}

function renderTicks() {
  const tb = document.querySelector("#ticks tbody");
  tb.innerHTML = "";
  S.ticks.forEach((t, k) => {
    const tr = document.createElement("tr");
    tr.innerHTML = `<td><input type="text" class="tp"></td><td><input type="text" class="tv"></td><td><button>×</button></td>`;
    const [p, v] = tr.querySelectorAll("input");
    p.value = t.position; v.value = t.value;
    p.addEventListener("change", () => { t.position = num(p.value); drawOverlay(); });
    v.addEventListener("change", () => { t.value = num(v.value); drawOverlay(); });
    tr.querySelector("button").addEventListener("click", () => { S.ticks.splice(k, 1); renderTicks(); drawOverlay(); });
    tb.appendChild(tr);
  });
  $("ticks-box").style.display = S.cbar ? "" : "none";
}

function rangeFromTicks() {
  const log = $("norm").value === "log";
  const pts = S.ticks.filter((t) => Number.isFinite(t.position) && Number.isFinite(t.value) && (!log || t.value > 0));
  if (pts.length < 2 || !S.cbar) { showError("colorbar", "range from ticks: give at least two ticks with a position and a value"); return; }
  const xs = pts.map((t) => Number(t.position)), ys = pts.map((t) => (log ? Math.log10(t.value) : Number(t.value)));
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
  let sxy = 0, sxx = 0;
  xs.forEach((x, k) => { sxy += (x - mx) * (ys[k] - my); sxx += (x - mx) ** 2; });
  if (sxx === 0) { showError("colorbar", "range from ticks: the ticks need two different positions"); return; }
  const slope = sxy / sxx, at = (p) => { const v = my + slope * (p - mx); return log ? 10 ** v : v; };
  const [x0, y0, x1, y1] = S.cbar;
  const [lo, hi] = orientation() === "vertical" ? [at(y1), at(y0)] : [at(x0), at(x1)];
  setVal("vmin", Number(lo.toPrecision(10))); setVal("vmax", Number(hi.toPrecision(10)));
  clearErrors("colorbar");
  scheduleDecode(0);
}

// ------------------------------------------------------------------ georeferencing
function showGeoMode() {
  const mode = $("geo-mode").value;
  for (const m of ["extent", "axes", "gcps"]) $(`geo-${m}`).style.display = mode === m ? "block" : "none";
  drawOverlay();
}

function renderGcps() {
  const tb = document.querySelector("#gcp-table tbody");
  tb.innerHTML = "";
  S.gcps.forEach((r, k) => {
    const tr = document.createElement("tr");
    tr.innerHTML = `<td>${k}</td><td><input type="checkbox" class="gon"></td>` +
      `<td><input type="text" class="gc"></td><td><input type="text" class="gr"></td>` +
      `<td><input type="text" class="gx"></td><td><input type="text" class="gy"></td>` +
      `<td class="dx"></td><td class="dy"></td><td class="res"></td><td><button title="remove">×</button></td>`;
    const on = tr.querySelector(".gon");
    on.checked = !!r[4];
    on.addEventListener("change", () => { r[4] = on.checked; gcpsChanged(); });
    [["gc", 0], ["gr", 1], ["gx", 2], ["gy", 3]].forEach(([cls, j]) => {
      const inp = tr.querySelector(`.${cls}`);
      inp.value = r[j];
      inp.addEventListener("change", () => { r[j] = inp.value.trim(); gcpsChanged(); });
    });
    tr.querySelector("button").addEventListener("click", () => { S.gcps.splice(k, 1); renderGcps(); gcpsChanged(); });
    tb.appendChild(tr);
  });
  drawOverlay();
}

function usableGcps() {
  return S.gcps.filter((r) => [0, 1, 2, 3].every((k) => Number.isFinite(num(r[k])) && num(r[k]) !== null));
}

async function gcpsChanged() {
  drawOverlay();
  const rows = usableGcps();
  const on = rows.filter((r) => r[4]);
  if (!on.length) { $("gcp-rmse").textContent = ""; return; }
  try {
    const report = await api("api/gcps", { gcps: rows.map((r) => [...r.slice(0, 4).map(Number), !!r[4]]), transform: $("transform").value });
    showResiduals(report, false);
    clearErrors("georef");
    scheduleDecode(0);
  } catch (e) {
    showError("georef", e.message);
  }
}

function showResiduals(report, fromDecode) {
  if (fromDecode) return; // the decode's report covers the enabled GCPs only; the table shows them all
  const rows = usableGcps();
  const trs = document.querySelectorAll("#gcp-table tbody tr");
  let j = 0;
  S.gcps.forEach((r, k) => {
    const tr = trs[k];
    if (!tr) return;
    const usable = rows.includes(r);
    const res = usable ? report.gcps[j++] : null;
    tr.querySelector(".dx").textContent = res ? res.dx_px.toFixed(4) : "";
    tr.querySelector(".dy").textContent = res ? res.dy_px.toFixed(4) : "";
    tr.querySelector(".res").textContent = res ? res.total_px.toFixed(4) : "";
  });
  const mean = report.mean_error_px === null ? "n/a" : `${report.mean_error_px.toFixed(4)} px`;
  $("gcp-rmse").textContent = `${report.transform}, ${report.count} enabled GCPs: RMSE ${report.rmse_px.toFixed(4)} px, ` +
    `${fmt(report.rmse_map)} map units; mean error (QGIS) ${mean}`;
}

async function importPoints(file) {
  const text = await file.text();
  try {
    const r = await api("api/points/import", { text, name: file.name });
    S.gcps = r.gcps;
    if (r.crs) setVal("crs", r.crs);
    $("geo-mode").value = "gcps";
    showGeoMode();
    renderGcps();
    clearErrors("georef");
    gcpsChanged();
  } catch (e) {
    showError("georef", e.message);
  }
}

async function exportPoints() {
  try {
    const rows = usableGcps().map((r) => [...r.slice(0, 4).map(Number), !!r[4]]);
    const r = await api("api/points/export", { gcps: rows, transform: $("transform").value, crs: $("crs").value.trim() || null });
    const a = $("points-link");
    a.href = URL.createObjectURL(new Blob([r.text], { type: "text/plain" }));
    a.download = `${$("fig-name").textContent || "figure"}.points`;
    a.hidden = false;
    a.click();
  } catch (e) {
    showError("georef", e.message);
  }
}

// ------------------------------------------------------------------ saving
async function save() {
  clearErrors("save");
  const outputs = $("outputs").value.trim().split(/[\s,]+/).filter(Boolean);
  setStatus("saving…");
  document.body.dataset.saving = "1";
  try {
    const r = await api("api/save", { i: S.i, config: configFromPage(), config_path: $("config-path").value.trim(), outputs });
    const ul = $("links");
    ul.innerHTML = "";
    for (const f of r.written) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = url("api/download", { path: f.absolute });
      a.textContent = f.path;
      a.download = f.path.split("/").pop();
      li.appendChild(a);
      ul.appendChild(li);
    }
    setStatus(`saved ${r.written.length} file(s)`);
  } catch (e) {
    showError(e.field === "general" ? "save" : e.field, e.message);
    if (e.field !== "save") showError("save", e.message);
    setStatus("not saved: see the message in red");
  } finally {
    document.body.dataset.saving = "0";
  }
}

// ------------------------------------------------------------------ loading a figure
async function load(i) {
  document.body.dataset.busy = "1";
  setStatus("finding the panel, the colour scale and the axes…");
  clearErrors();
  S.version = 0;
  $("layer").hidden = true;
  try {
    const st = await api("api/state", undefined, { i });
    S.i = st.index; S.count = st.count; S.W = st.width; S.H = st.height;
    $("fig-name").textContent = st.name;
    $("batch-nav").hidden = st.count < 2;
    $("batch-pos").textContent = `${st.index + 1} / ${st.count}`;
    const img = $("figure");
    await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = url("api/image", { i }); });
    img.style.width = `${S.W}px`; img.style.height = `${S.H}px`;
    fitView();
    fillPage(st);
    drawOverlay();
    rank();
    await decode();
  } catch (e) {
    showError(e.field, e.message);
    setStatus("cannot open the figure");
    document.body.dataset.busy = "0";
  }
}

function bind() {
  const vp = $("viewport");
  vp.addEventListener("pointerdown", onPointerDown);
  window.addEventListener("pointermove", onPointerMove);
  window.addEventListener("pointerup", onPointerUp);
  vp.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = vp.getBoundingClientRect();
    zoomAt(Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  const centre = () => { const r = vp.getBoundingClientRect(); return [r.width / 2, r.height / 2]; };
  $("zoom-in").onclick = () => zoomAt(1.25, ...centre());
  $("zoom-out").onclick = () => zoomAt(0.8, ...centre());
  $("zoom-fit").onclick = () => fitView();
  $("zoom-1").onclick = () => fitView(true);
  $("layer-kind").onchange = updateLayer;
  $("opacity").oninput = updateLayer;
  $("click-action").onchange = () => vp.classList.toggle("picking", $("click-action").value !== "none");
  for (const k of ["x0", "y0", "x1", "y1"]) {
    $(`box-${k}`).addEventListener("change", () => boxFromInputs("plot"));
    $(`cbar-${k}`).addEventListener("change", () => boxFromInputs("cbar"));
  }
  $("cbar-on").onchange = () => {
    if ($("cbar-on").checked && !S.cbar) {
      const [x0, y0, x1, y1] = S.box;
      S.cbar = [Math.min(S.W - 3, x1 + 10), y0, Math.min(S.W, x1 + 30), y1];
    }
    if (!$("cbar-on").checked) $("cbar-sample").checked = false;
    boxToInputs(); renderTicks(); drawOverlay(); rank(); scheduleDecode();
  };
  $("cbar-sample").onchange = () => { if ($("cbar-sample").checked && !S.cbar) $("cbar-sample").checked = false; scheduleDecode(0); };
  $("tick-add").onclick = () => { S.ticks.push({ position: null, value: null }); renderTicks(); };
  $("fit-ticks").onclick = rangeFromTicks;
  for (const id of ["reverse", "ncolors", "norm"]) $(id).addEventListener("change", () => { renderScale(); scheduleDecode(0); });
  for (const id of ["vmin", "vmax", "boundaries", "max-distance"]) $(id).addEventListener("change", () => scheduleDecode(0));
  $("cmap-search").addEventListener("input", renderList);
  $("geo-mode").onchange = () => { showGeoMode(); scheduleDecode(0); };
  $("transform").onchange = () => gcpsChanged();
  for (const id of ["ext-left", "ext-right", "ext-bottom", "ext-top", "ax-xa", "ax-xva", "ax-xb", "ax-xvb", "ax-ya", "ax-yva",
    "ax-yb", "ax-yvb", "ax-xscale", "ax-yscale", "crs", "target-crs", "resolution"]) {
    $(id).addEventListener("change", () => { drawOverlay(); scheduleDecode(0); });
  }
  $("points-file").addEventListener("change", (e) => { if (e.target.files.length) importPoints(e.target.files[0]); });
  $("points-export").onclick = exportPoints;
  $("save").onclick = save;
  $("prev").onclick = () => load((S.i - 1 + S.count) % S.count);
  $("next").onclick = () => load((S.i + 1) % S.count);
}

async function start() {
  bind();
  try {
    S.names = (await api("api/colormaps")).names;
    renderList();
  } catch (e) {
    showError("cmap", e.message);
  }
  await load(0);
}

window.chromagrid = { state: S, decode, load, configFromPage, idle };
start();
