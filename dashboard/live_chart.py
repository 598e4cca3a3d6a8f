"""A Plotly chart that a rerun updates in place instead of drawing anew (issue 18: sliders).

`st.plotly_chart` gives each chart an element id computed from the figure's JSON, and the
browser keys the chart's React component by that id: a slider that moves one marker hands the
browser a new element, which tears the old chart down and draws the new one from nothing
(Plotly's ``newPlot``: every layer, axis and legend).  Here the element is keyed by a name
the page gives it, so it stays mounted across reruns and each new figure reaches
``Plotly.react``, which redraws only what changed (a marker moved over a contour map leaves
the contours alone).

The chart draws with the Plotly.js that Streamlit itself ships (its lazily loaded
``PlotlyChart`` module sets ``window.Plotly``), so the figures match `st.plotly_chart`'s
Plotly version.  Where this Streamlit has no custom components (``st.components.v2``) or no
such module, `live_chart_available` is False and `dashboard.layout.show_chart` falls back to
`st.plotly_chart`.

The look is what Streamlit's light theme (the app's, `.streamlit/config.toml`) lays over its
own Plotly charts: fonts, muted axis labels, grid colours, bold titles.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from plotly.io.json import to_json_plotly

from charts.style import Overlay

#: The browser test id of a live chart's box (Streamlit's own charts use ``stPlotlyChart``).
TEST_ID = "liveChart"
#: Name of the registered component (unique in the app).
COMPONENT_NAME = "scaling_dashboard_live_chart"
LOG = logging.getLogger("scaling_explorer")
#: Key of the page frame's Plotly preload (`preload_plotly`); its element has class st-key-<key>.
PRELOAD_KEY = "plotly-preload"

_JS = r"""
function plotly(chunk) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__liveChartPlotly) {
    const entry = document.querySelector('script[type="module"][src*="static/js/index."]');
    const base = entry ? entry.src : new URL('static/js/', document.baseURI).href;
    window.__liveChartPlotly = import(new URL(chunk, base).href).then(() => window.Plotly);
  }
  return window.__liveChartPlotly;
}

const FONT = '"Source Sans", sans-serif';
const MUTED = '#808495';
const GRID = '#e6eaf1';
const AXIS = {
  gridcolor: GRID, linecolor: '#EBF0F8', ticks: '', zerolinecolor: GRID, zerolinewidth: 2,
  tickcolor: GRID, tickfont: {color: MUTED, size: 12}, minor: {gridcolor: GRID},
};
// What Streamlit's light theme lays over a Plotly chart's template (read from the template
// of its own charts in the browser), so that live charts look like the app's other charts.
const LOOK = {
  font: {color: MUTED, family: FONT, size: 12, weight: 400},
  title: {x: 0, xanchor: 'left', pad: {l: 4}, font: {family: FONT, size: 16, color: '#2F2D2B'}},
  legend: {title: {font: {size: 12, color: MUTED}, side: 'top'}, valign: 'top',
           bordercolor: 'transparent', borderwidth: 0, font: {size: 12, color: '#262730'}},
  paper_bgcolor: '#FFFFFF', plot_bgcolor: '#FFFFFF',
  xaxis: Object.assign({}, AXIS, {showgrid: false, zeroline: false,
                                  title: {standoff: 20, font: {color: MUTED, size: 14}}}),
  yaxis: Object.assign({}, AXIS, {ticklabelposition: 'outside',
                                  title: {standoff: 24, font: {color: MUTED, size: 14}}}),
  margin: {pad: 8},
  hoverlabel: {align: 'left', bgcolor: '#FFFFFF', bordercolor: '#DCD8D4',
               font: {color: MUTED, family: FONT, size: 12}},
  coloraxis: {colorbar: {thickness: 16, xpad: 24, ticklabelposition: 'outside',
                         outlinecolor: 'transparent', outlinewidth: 8, len: 0.75, y: 0.5745,
                         title: {font: {color: MUTED, size: 14}},
                         tickfont: {color: MUTED, size: 12}}},
};

function merged(base, over) {
  const out = Object.assign({}, base);
  for (const [key, value] of Object.entries(over)) {
    const old = out[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value)
      && old && typeof old === 'object' && !Array.isArray(old) ? merged(old, value) : value;
  }
  return out;
}

// A new template object is a changed template to Plotly.react, which then recomputes every
// trace: a chart keeps its themed template while the figure's own template stays the same.
function themed(layout, box) {
  const template = layout.template || {};
  const key = JSON.stringify(template);
  if (box.__templateKey !== key) {
    box.__templateKey = key;
    box.__template = Object.assign({}, template, {layout: merged(template.layout || {}, LOOK)});
  }
  layout.template = box.__template;
  if (layout.title && layout.title.text && !String(layout.title.text).startsWith('<b>')) {
    layout.title = Object.assign({}, layout.title, {text: '<b>' + layout.title.text + '</b>'});
  }
  delete layout.width;
  layout.autosize = true;
  return layout;
}

// Plotly.py sends numeric arrays as typed-array specs ({dtype, bdata, shape}); Plotly.js decodes
// them into new arrays on every draw, so Plotly.react saw every trace as changed and recomputed
// and redrew the whole chart (a contour map's labels alone: 50 ms) when a slider moved one
// marker.  Decoded here once, and the array decoded for the same spec on the previous draw is
// handed back, so data that did not change is the very same array and Plotly.react skips it.
const TYPED = {i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray, i2: Int16Array,
               u2: Uint16Array, i4: Int32Array, u4: Uint32Array, f4: Float32Array,
               f8: Float64Array};

function decoded(spec) {
  const Typed = TYPED[spec.dtype];
  const dims = spec.shape === undefined ? [] : String(spec.shape).split(',').map(Number);
  if (!Typed || dims.length > 2) return null;  // left to Plotly.js
  const text = atob(spec.bdata);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const flat = new Typed(bytes.buffer);
  if (dims.length < 2) return flat;
  const rows = [];
  for (let r = 0; r < dims[0]; r++) rows.push(flat.subarray(r * dims[1], (r + 1) * dims[1]));
  return rows;
}

// ``old`` is the value at the same place in the figure drawn before: an array equal to it (item
// by item) is handed back as that very array (Plotly.react compares data arrays by identity:
// a trace's customdata strings, parsed anew, made it recompute every trace).
function withArrays(value, before, now, old) {
  if (Array.isArray(value)) {
    const was = Array.isArray(old) ? old : [];
    const items = value.map((item, i) => withArrays(item, before, now, was[i]));
    const same = was.length === items.length && items.every((item, i) => item === was[i]);
    return same ? was : items;
  }
  if (!value || typeof value !== 'object') return value;
  if (typeof value.bdata === 'string' && typeof value.dtype === 'string') {
    const key = value.dtype + '|' + (value.shape || '') + '|' + value.bdata;
    const array = now.get(key) || before.get(key) || decoded(value);
    if (!array) return value;
    now.set(key, array);
    return array;
  }
  const was = old && typeof old === 'object' ? old : {};
  for (const key of Object.keys(value)) value[key] = withArrays(value[key], before, now, was[key]);
  return value;
}

const CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['lasso2d', 'select2d', 'sendDataToCloud'],
};

export default function (component) {
  const { data, parentElement } = component;
  if (!data.spec) {  // preload_plotly: load Plotly.js once the page is drawn, draw nothing
    const load = () => plotly(data.chunk).catch(() => {});
    if (window.requestIdleCallback) window.requestIdleCallback(load, {timeout: 2000});
    else setTimeout(load, 500);
    return;
  }
  let box = parentElement.querySelector('div[data-testid="__TEST_ID__"]');
  if (!box) {
    box = document.createElement('div');
    box.setAttribute('data-testid', '__TEST_ID__');
    box.style.width = '100%';
    parentElement.appendChild(box);
  }
  if (data.alt) { box.setAttribute('role', 'figure'); box.setAttribute('aria-label', data.alt); }
  if (data.spec !== box.__spec) {  // a figure unchanged since the last draw is not read again
    const arrays = new Map();  // this draw's decoded arrays, by spec; the next draw reuses them
    box.__figure = withArrays(
      JSON.parse(data.spec), box.__arrays || new Map(), arrays, box.__figure);
    box.__arrays = arrays;
    box.__spec = data.spec;
    box.__layout = themed(box.__figure.layout || {}, box);
  }
  const figure = box.__figure;
  const layout = Object.assign({}, box.__layout);
  const spec = data.spec;
  const overlayText = data.overlay || '';
  const parts = {};  // each overlaid part of the layout as JSON, to tell which ones moved
  if (overlayText) {  // what a slider moves, drawn over the figure (show_live_chart)
    const overlay = JSON.parse(overlayText);
    for (const [name, value] of Object.entries(overlay)) {
      parts[name] = JSON.stringify(value);
      layout[name] = name === 'shapes' || name === 'annotations'
        ? (layout[name] || []).concat(value) : Object.assign({}, layout[name], value);
    }
  }
  plotly(data.chunk).then((Plotly) => {
    if (!box.__resize) {
      box.__resize = new ResizeObserver(() => { if (box._fullLayout) Plotly.Plots.resize(box); });
      box.__resize.observe(box);
    }
    const drawn = box.__drawn;
    box.__drawn = {spec, parts};
    if (drawn && drawn.spec === spec && box._fullLayout) {
      // The same figure under a moved overlay: shapes that moved alone go to Plotly.relayout,
      // which redraws only them (2-5 ms on the frontier's four panels, where Plotly.react, which
      // first compares the whole figure, took 20 ms even with nothing changed).  Not
      // annotations: relayout redraws the whole chart for them (150 ms on the landscape, where
      // react takes 10 ms).  (Streamlit does not call this again for the same data.)
      const moved = Object.keys(drawn.parts).concat(Object.keys(parts))
        .filter((name) => drawn.parts[name] !== parts[name]);
      if (moved.every((name) => name === 'shapes')) {
        return Plotly.relayout(box, {shapes: JSON.parse(JSON.stringify(layout.shapes || []))});
      }
    }
    return Plotly.react(box, figure.data || [], layout, CONFIG);
  }).catch((err) => {
    box.textContent = 'This chart could not be drawn (' + err + '). Reload the page.';
  });
}
"""


@functools.cache
def _plotly_module() -> str | None:
    """File name of Streamlit's lazily loaded Plotly module (``PlotlyChart.<hash>.js``), or
    None when this Streamlit has none (then charts fall back to `st.plotly_chart`)."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


@functools.cache
def _component():  # type: ignore[no-untyped-def]
    """The registered component (once per process), or None without ``st.components.v2``."""
    v2 = getattr(st.components, "v2", None)
    if v2 is None or _plotly_module() is None:
        return None
    return v2.component(
        COMPONENT_NAME, js=_JS.replace("__TEST_ID__", TEST_ID), isolate_styles=False
    )


def live_chart_available() -> bool:
    """Whether charts can be updated in place in this Streamlit (see the module docstring)."""
    return _component() is not None


#: Attribute of a read-only figure holding its JSON, computed once (`freeze`).
_FROZEN_JSON = "_live_json"


def freeze(fig: go.Figure) -> go.Figure:
    """Mark ``fig`` read-only and compute its JSON once: a figure kept across reruns and never
    changed again (a slider moves only its `show_live_chart` overlay) is not serialised on
    every rerun (the landscape's 100 x 100 grid with its hover labels took 27 ms)."""
    setattr(fig, _FROZEN_JSON, pio.to_json(fig, validate=False))
    return fig


def is_frozen(fig: go.Figure) -> bool:
    """Whether ``fig`` was `freeze`d (read-only from then on)."""
    return getattr(fig, _FROZEN_JSON, None) is not None


def figure_json(fig: go.Figure) -> str:
    """The figure's JSON as the browser receives it (computed once for a `freeze`d figure)."""
    frozen = getattr(fig, _FROZEN_JSON, None)
    return frozen if frozen is not None else pio.to_json(fig, validate=False)


def overlay_json(overlay: Overlay) -> str:
    """``overlay`` as the browser reads it: JSON as Plotly.py writes a figure (numpy numbers
    as plain ones, a value that is not finite as null, which Plotly leaves undrawn: a strict
    encoder raised, and JSON's NaN is not JSON to the browser)."""
    return to_json_plotly(overlay)


def show_live_chart(where, fig: go.Figure, key: str, overlay: Overlay | None = None) -> None:  # type: ignore[no-untyped-def]
    """Show ``fig`` in ``where`` (``st`` or a container) as the chart named ``key``: the same
    key on the next rerun updates this chart in place.  ``key`` must be unique on the page.

    ``overlay`` (`charts.style.Overlay`: shapes, annotations, axes) is drawn over the figure:
    what a slider moves (a run's marker, a budget line), so that a move changes only that and
    the browser redraws only that (Plotly draws a changed shape alone; a changed trace makes it
    recompute and redraw every trace of the chart)."""
    mount = _component()
    height = int(fig.layout.height) if fig.layout.height else 450
    data = {"spec": figure_json(fig), "chunk": _plotly_module(), "alt": fig.layout.title.text or ""}
    if overlay:
        data["overlay"] = overlay_json(overlay)
    with contextlib.nullcontext() if where is st else where:
        mount(key=key, data=data, width="stretch", height=height)


def preload_plotly() -> None:
    """Load Plotly.js in the browser as soon as it is idle, before any chart needs it (nothing
    drawn; the page frame's CSS hides the element, keyed `PRELOAD_KEY`).

    Streamlit loads its Plotly module (4.7 MB) when the first chart arrives, after the script
    has computed it, and evaluating it holds the browser for most of a second.  Loaded when the
    browser is first idle, that happens while the script computes, and on the fit page before
    the visitor has chosen a file; not earlier, where it would keep the page's own widgets from
    drawing."""
    try:
        mount = _component()
        if mount is not None:
            mount(key=PRELOAD_KEY, data={"chunk": _plotly_module()}, height="content")
    except Exception:  # only a head start: without it, the first chart loads Plotly.js itself
        LOG.exception("Plotly preload not mounted")
