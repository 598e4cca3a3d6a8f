"""Placeholder while this page is being built."""

from dashboard.layout import page

with page("Compute-optimal frontier"):
    import streamlit as st

    st.info("This page is being built.")
