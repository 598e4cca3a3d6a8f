"""Placeholder while this page is being built."""

from dashboard.layout import page

with page("Fit your runs"):
    import streamlit as st

    st.info("This page is being built.")
