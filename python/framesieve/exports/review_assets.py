"""The style and script of the review page, inlined into it (the page loads nothing else).

Kept as Python strings rather than package data files so that every build of the
package (wheel, sdist, editable) carries them. The script builds every element
with ``textContent`` and ``setAttribute``, never ``innerHTML``: class names, tags
and provenance come from the dataset and are shown as text, whatever they hold.
"""

CSS = """
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2433; background: #f3f4f7; }
body { margin: 0 auto; padding: 16px 20px 40px; max-width: 1600px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.summary { color: #586074; margin-bottom: 12px; }
.top { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; margin-bottom: 16px; }
.controls label { display: block; margin-bottom: 6px; }
.controls select { min-width: 220px; margin-left: 6px; }
#shown { color: #586074; }
#chart { min-width: 320px; }
#chart .row { display: flex; align-items: center; gap: 8px; cursor: pointer; margin: 2px 0; }
#chart .name { width: 180px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#chart .bar { height: 14px; background: #3b6fd8; border-radius: 2px; }
#chart .row.active .bar { background: #e0662c; }
#chart .count { color: #586074; }
#grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.card { background: #fff; border-radius: 6px; box-shadow: 0 1px 3px #0002; margin: 0; overflow: hidden; }
.frame { position: relative; line-height: 0; background: #222; }
.frame img { width: 100%; height: auto; display: block; }
.frame svg { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.card.broken .frame::after { content: "image missing"; color: #fff; background: #b3261e;
  position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  line-height: 1.4; }
figcaption { padding: 8px 10px; font-size: 12px; }
figcaption .what { font-weight: 600; font-size: 13px; }
figcaption .tags span { display: inline-block; background: #e7ebf3; border-radius: 3px;
  padding: 0 5px; margin: 2px 3px 0 0; }
figcaption dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0 0; }
figcaption dt { color: #586074; }
figcaption dd { margin: 0; overflow-wrap: anywhere; }
#more { margin: 16px auto; display: block; padding: 6px 18px; }
"""

JS = """
"use strict";
const DATA = JSON.parse(document.getElementById("review-data").textContent);
const PAGE = 120;
const SVG = "http://www.w3.org/2000/svg";
const state = { strategy: "", batch: "", limit: PAGE };

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}
function color(name) {
  const i = DATA.classes.indexOf(name);
  return "hsl(" + ((i * 137.508) % 360).toFixed(1) + ", 85%, 52%)";
}
function label(value) { return value === null || value === undefined ? "(none)" : String(value); }

function overlay(item) {
  const layer = svg("svg", { viewBox: "0 0 " + item.w + " " + item.h, preserveAspectRatio: "none" });
  // Lines 2 CSS pixels wide whatever the image's scale; text and dots scale with the image.
  const dot = Math.max(item.w, item.h) / 160;
  const font = Math.max(item.w, item.h) / 32;
  const line = { "stroke-width": 2, "vector-effect": "non-scaling-stroke" };
  for (const o of item.objects) {
    const c = color(o.c);
    if (o.poly) {
      layer.appendChild(svg("polygon", { class: "polygon", points: o.poly.map(p => p.join(",")).join(" "),
        fill: c, "fill-opacity": 0.25, stroke: c, ...line }));
    }
    const [x1, y1, x2, y2] = o.b;
    layer.appendChild(svg("rect", { class: "box", "data-class": o.c, x: x1, y: y1, width: x2 - x1,
      height: y2 - y1, fill: "none", stroke: c, ...line }));
    for (const k of o.kp || []) {
      layer.appendChild(svg("circle", { class: "keypoint", "data-name": k[2], cx: k[0], cy: k[1], r: dot,
        fill: c, stroke: "#fff", "stroke-width": 1, "vector-effect": "non-scaling-stroke" }));
    }
    const text = o.c + (o.p === null ? "" : " " + o.p.toFixed(2));
    const ty = y1 > font ? y1 - font * 0.25 : y1 + font;
    layer.appendChild(svg("rect", { class: "tag", x: x1, y: ty - font * 0.95, width: text.length * font * 0.6,
      height: font * 1.2, fill: c }));
    const caption = svg("text", { class: "caption", x: x1 + font * 0.1, y: ty, "font-size": font,
      fill: "#000", "font-family": "sans-serif" });
    caption.textContent = text;
    layer.appendChild(caption);
  }
  return layer;
}

function caption(item) {
  const box = el("figcaption");
  const n = item.objects.length;
  const what = item.label !== null ? "class: " + item.label
    : n === 0 ? "no objects" : n + " object" + (n === 1 ? "" : "s");
  box.appendChild(el("div", { class: "what" }, what + " \\u00b7 " + label(item.strategy)));
  const tags = el("div", { class: "tags" });
  for (const t of item.tags) tags.appendChild(el("span", {}, t));
  box.appendChild(tags);
  const facts = el("dl");
  const add = (k, v) => { if (v !== null && v !== undefined && v !== "") {
    facts.appendChild(el("dt", {}, k)); facts.appendChild(el("dd", {}, String(v))); } };
  add("batch", item.batch);
  add("image", item.name);
  for (const [k, v] of Object.entries(item.meta || {})) add(k, typeof v === "object" ? JSON.stringify(v) : v);
  add("time", item.time === null ? null : new Date(item.time * 1000).toISOString().replace(".000Z", "Z"));
  add("model", item.model);
  add("size", item.w + "\\u00d7" + item.h + (item.orig && (item.orig[0] !== item.w || item.orig[1] !== item.h)
    ? " (from " + item.orig[0] + "\\u00d7" + item.orig[1] + ")" : ""));
  add("inference", item.inference_id);
  add("id", item.id);
  box.appendChild(facts);
  return box;
}

function card(item) {
  const fig = el("figure", { class: "card", "data-id": item.id, "data-objects": item.objects.length });
  const frame = el("div", { class: "frame" });
  const img = el("img", { src: item.src, width: item.w, height: item.h, alt: item.name || item.id });
  img.addEventListener("error", () => fig.classList.add("broken"));
  frame.appendChild(img);
  frame.appendChild(overlay(item));
  fig.appendChild(frame);
  fig.appendChild(caption(item));
  return fig;
}

function selected(item, ignoreStrategy) {
  return (state.batch === "" || item.batch === state.batch) &&
    (ignoreStrategy || state.strategy === "" || label(item.strategy) === state.strategy);
}

function chart() {
  const counts = new Map(DATA.strategies.map(s => [s, 0]));
  for (const item of DATA.items) if (selected(item, true)) {
    counts.set(label(item.strategy), (counts.get(label(item.strategy)) || 0) + 1);
  }
  const top = Math.max(1, ...counts.values());
  const box = document.getElementById("chart");
  box.replaceChildren(el("div", { class: "title" }, "images per strategy"));
  for (const [name, count] of counts) {
    const row = el("div", { class: "row" + (state.strategy === name ? " active" : ""), "data-strategy": name,
      "data-count": count });
    row.appendChild(el("span", { class: "name", title: name }, name));
    row.appendChild(el("span", { class: "bar", style: "width:" + (160 * count / top).toFixed(1) + "px" }));
    row.appendChild(el("span", { class: "count" }, String(count)));
    row.addEventListener("click", () => {
      state.strategy = state.strategy === name ? "" : name;
      document.getElementById("strategy").value = state.strategy;
      render();
    });
    box.appendChild(row);
  }
}

function render() {
  const items = DATA.items.filter(item => selected(item, false));
  const grid = document.getElementById("grid");
  grid.replaceChildren(...items.slice(0, state.limit).map(card));
  document.getElementById("shown").textContent = "showing " + Math.min(items.length, state.limit) +
    " of " + items.length + " selected (" + DATA.items.length + " in all)";
  document.getElementById("more").hidden = items.length <= state.limit;
  chart();
}

function options(id, values) {
  const select = document.getElementById(id);
  for (const v of values) select.appendChild(el("option", { value: v }, v));
  select.addEventListener("change", () => { state[id] = select.value; state.limit = PAGE; render(); });
}

options("strategy", DATA.strategies);
options("batch", DATA.batches);
document.getElementById("more").addEventListener("click", () => { state.limit += PAGE; render(); });
render();
"""
