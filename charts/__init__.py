"""Plotly figure builders for the dashboard: data in, `go.Figure` out; no Streamlit calls."""
