"""One colour per law and per sweep (issue 21, item 2): every law preset and published sweep
has a fixed style; the colours in use stay apart as printed and for colour-blind readers, and
fits of one source that share a colour differ in line style.

The colour distance is CIEDE2000 (Sharma, Wu & Dalal 2005, eqs. 1-22), written here from the
paper and checked against pairs of its Table 1. Colour blindness is simulated with Machado,
Oliveira & Fernandes 2009's matrices for severity 1.0 (deuteranopia, protanopia), applied to
linear RGB. The threshold: ΔE00 ≥ 10 between any two colours in use under each view (Tol's
muted scheme keeps ≥ 11.8; the former palette had two Chinchilla reds at 8 and Porian's and
OLMo's blues closer still under deuteranopia).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from charts.frontier import LawCurve, frontier_figure
from charts.style import LAW_COLOURS, LAW_STYLES, law_colour, law_dash, sweep_key
from scaling_core.presets import PRESETS
from scaling_core.published import PUBLISHED_SWEEPS

MIN_DELTA_E = 10.0

#: Machado et al. 2009, Table "severity 1.0", linear RGB.
DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
#: sRGB (D65) to XYZ, IEC 61966-2-1.
SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)


def linear_rgb(hex_colour: str) -> np.ndarray:
    text = hex_colour.lstrip("#")
    c = np.array([int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> tuple[float, float, float]:
    """CIELAB (D65 white) of a linear-RGB colour."""
    xyz = SRGB_TO_XYZ @ np.clip(rgb, 0, 1) / (SRGB_TO_XYZ @ np.ones(3))
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """ΔE00 (Sharma et al. 2005) with kL = kC = kH = 1."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1 = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2 = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2 - h1) <= 180:
        dh = h2 - h1
    else:
        dh = h2 - h1 - 360 if h2 > h1 else h2 - h1 + 360
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)
    )


@pytest.mark.parametrize(
    ("lab1", "lab2", "expected"),
    [  # Sharma et al. 2005, Table 1, pairs 1, 7, 17 and 25
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_sharma_table(lab1, lab2, expected) -> None:  # type: ignore[no-untyped-def]
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_every_law_and_sweep_has_its_own_style() -> None:
    """No preset or published sweep falls back to a cycled colour; no two share both colour and
    line style (fits of one source share a colour and differ in style)."""
    keys = [*PRESETS, *(sweep_key(s.key) for s in PUBLISHED_SWEEPS), "your-fit"]
    assert set(keys) <= set(LAW_STYLES)
    styles = [(law_colour(k), law_dash(k)) for k in LAW_STYLES]
    assert len(set(styles)) == len(styles)


@pytest.mark.parametrize("view", ["as printed", "deuteranopia", "protanopia"])
def test_colours_in_use_stay_apart(view: str) -> None:
    matrix = {"as printed": np.eye(3), "deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}[view]
    colours = sorted(set(LAW_COLOURS.values()))
    assert len(colours) >= 10  # one per source: 9 paper or sweep sources and the user's fits
    seen = {c: lab(matrix @ linear_rgb(c)) for c in colours}
    distance, one, other = min(
        (ciede2000(seen[a], seen[b]), a, b) for a, b in itertools.combinations(colours, 2)
    )
    assert distance >= MIN_DELTA_E, (view, one, other, distance)


def test_the_frontier_chart_draws_each_curve_in_its_style() -> None:
    """The published-sweeps comparison (our fit of Muennighoff et al.'s runs beside their law)
    draws the two in one colour and two line styles; Porian's fit and OLMo's differ in colour."""
    compute = np.geomspace(1e18, 1e24, 5)
    keys = ["sweep:muennighoff-2023", "muennighoff-2023", "sweep:olmo-ladder", "porian-2024-tuned"]
    curves = [
        LawCurve(k, k, compute, compute / 1e12, compute / 1e9, compute * np.nan) for k in keys
    ]
    fig = frontier_figure(curves, chosen_compute=1e21)
    legend = {t.name: (t.line.color, t.line.dash) for t in fig.data if t.showlegend is not False}
    assert legend["sweep:muennighoff-2023"][0] == legend["muennighoff-2023"][0]
    assert legend["sweep:muennighoff-2023"][1] != legend["muennighoff-2023"][1]
    assert legend["sweep:olmo-ladder"][0] != legend["porian-2024-tuned"][0]


def test_plan_markers_tell_fits_of_one_source_apart() -> None:
    """Drawn as points (the plan page), the Chinchilla variants share a colour and differ in
    symbol; a law without a loss is an open symbol."""
    from charts.plan import allocation_figure
    from scaling_core.planning import budget_from_devices, plan_for_laws

    keys = ["chinchilla-2022", "chinchilla-2022-unrounded", "epoch-2024", "porian-2024-tuned"]
    plans = plan_for_laws(
        [PRESETS[k] for k in keys], budget_from_devices("NVIDIA H100 SXM", 1024, 30, 0.4)
    )
    fig = allocation_figure(plans, compute_label="1e24 FLOP")
    markers = {t.name: (t.marker.color, t.marker.symbol) for t in fig.data if t.mode == "markers"}
    labels = {k: PRESETS[k].label for k in keys}
    a, b = markers[labels["chinchilla-2022"]], markers[labels["chinchilla-2022-unrounded"]]
    assert a[0] == b[0] and a[1] != b[1]
    assert markers[labels["porian-2024-tuned"]][1].endswith("-open")
    assert len(set(markers.values())) == len(markers)
