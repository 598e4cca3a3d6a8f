"""Placeholder while this page is being built."""

from dashboard.layout import page

with page("Batch size and training time"):
    import streamlit as st

    st.info("This page is being built.")
