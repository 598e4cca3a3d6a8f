"""The yardstick of `bench_browser.py`: the smallest Streamlit app with one slider and one Plotly
chart. What the browser needs to open and redraw this is the floor the real pages are
compared with."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Minimal app")
k = st.slider("Exponent", 0.1, 1.0, 0.5, 0.01)
x = np.logspace(6, 12, 200)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=x**-k)).update_xaxes(type="log"))
